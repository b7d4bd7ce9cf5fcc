/**
 * The settings of broker type `paper`, owned by gateway-paper and published by contracts (src/brokers/paper.ts)
 * beside the other types of addBroker's connection union.
 */
export {
  PaperBrokerConnection,
  PaperConnectionConfig,
} from '@trading-system/contracts';
