export { type DeepReadonly, deepFreeze, type Env, isSecretName, loadConfig } from './config.js';
export {
  checkDatabaseConfig,
  checkNatsConfig,
  type DatabaseConfig,
  databaseConfigShape,
  defaultedEnv,
  LOG_LEVELS,
  type LogConfig,
  type LogLevel,
  logConfigShape,
  type NatsConfig,
  NatsOnlyConfig,
  natsConfigShape,
  optionalEnv,
  requiredEnv,
  splitNatsUrls,
  type UrlCredentials,
} from './config-shapes.js';
export { databaseOptions, type NatsConnectionSettings, natsConnectionSettings } from './connection-settings.js';
export { ConfigError, type ConfigIssue, formatIssues, LifecycleError, StopTimeoutError } from './errors.js';
export { FlagsError, flagValues, loadFlags } from './flags.js';
export { Lifecycle, type LifecycleChange, type LifecycleState } from './lifecycle.js';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  MIN_SECRET_LENGTH,
  REDACT_PATHS,
  REDACTED,
  secretMasker,
} from './logger.js';
export { maskForEcho, maskUrlPassword, redactConfig, secretValues } from './redact-config.js';
export {
  ExitCode,
  type FatalDetails,
  type RunServiceOptions,
  runService,
  type ServiceContext,
  type ServiceHandle,
} from './run-service.js';
