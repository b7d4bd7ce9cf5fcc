# One image for every service: the workspace with its dependencies; each compose service picks its entry point.
# Build: docker build -t trading-system .   Run one service: docker run trading-system services/orders/src/main.ts
# The deps stage copies every workspace's package.json (npm ci needs them all); infra/test/compose.test.ts checks it.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/bus/package.json libs/bus/
COPY libs/storage/package.json libs/storage/
COPY libs/runtime/package.json libs/runtime/
COPY libs/sdk/package.json libs/sdk/
COPY libs/testkit/package.json libs/testkit/
COPY libs/exchange/package.json libs/exchange/
COPY libs/strategy/package.json libs/strategy/
COPY libs/backtest/package.json libs/backtest/
COPY libs/metrics/package.json libs/metrics/
COPY libs/clients/package.json libs/clients/
COPY services/ib-sim/package.json services/ib-sim/
COPY services/gateway-ib/package.json services/gateway-ib/
COPY services/orders/package.json services/orders/
COPY services/market-data/package.json services/market-data/
COPY services/history/package.json services/history/
COPY services/alpaca-sim/package.json services/alpaca-sim/
COPY services/gateway-paper/package.json services/gateway-paper/
COPY services/gateway-alpaca/package.json services/gateway-alpaca/
COPY services/embedded/package.json services/embedded/
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
# The CLI's bin script, so npm ci can link node_modules/.bin/trading-system to it.
COPY apps/cli/bin/ apps/cli/bin/
COPY scripts/ scripts/
RUN npm ci --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# Named volumes mounted at /data (ib-sim's state file) take this directory's owner on first use.
RUN mkdir -p /data && chown node:node /data
USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["services/embedded/src/main.ts"]
