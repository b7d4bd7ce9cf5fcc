// Runs before `npm install`. It only explains; it never blocks: the project brings its own Node 24
// (the `node` devDependency) so that a machine with Node 20 can still run everything.
const major = Number(process.versions.node.split('.')[0]);
// ensure-install.mjs (npm start on a fresh clone) has said it already, before npm's own output.
if (major < 22 && process.env.TRADING_SYSTEM_INSTALL_EXPLAINED !== '1') {
  console.error(
    `[trading-system] Node ${process.versions.node} found; the project installs Node 24 into node_modules/.bin ` +
      'and every npm script runs on it. Nothing to do on your side.',
  );
}
