// npm prints one five-line `npm warn EBADENGINE` block per package whose `engines` the running Node does not meet
// (ours and five dependencies want Node >= 22). On a machine with an older Node that is expected: the project brings
// its own Node 24 and every npm script runs on it. This filter passes npm's other output through untouched and keeps
// those blocks back, so the install can say it once, in words, instead of thirty lines before our explanation.

/** A line filter for npm's stderr: `push(text)` as it arrives, `end()` once npm exited; returns the packages. */
export function engineWarningFilter(write) {
  let partial = '';
  const packages = [];
  const line = (l) => {
    if (!l.includes('EBADENGINE')) {
      write(`${l}\n`);
      return;
    }
    const m = /package: '([^']+)'/.exec(l);
    if (m) packages.push(m[1]);
  };
  return {
    push(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) line(l);
    },
    end() {
      if (partial !== '') line(partial);
      partial = '';
      return packages;
    },
  };
}
