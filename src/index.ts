/**
 * mxauth as a library: `createMxauth(config)` gives a Node request handler to mount in a host process,
 * with `start()` and `close()`. See docs/embedding.md.
 */
export type { Config } from './config/config.js';
export { generateConfig } from './config/generate.js';
export { loadConfigFile, parseConfig } from './config/load.js';
export type { ConfigProblem } from './config/problems.js';
export type { ConfigFileInput } from './config/schema.js';
export type { User, UserEmail, UserStatus } from './domain/user.js';
export {
  ConfigError,
  createMxauth,
  type Mxauth,
  type MxauthOptions,
  type StartOptions,
  StartupError,
} from './server.js';
export type { UserService } from './services/users.js';
