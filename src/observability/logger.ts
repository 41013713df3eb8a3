import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { DestinationStream } from 'pino';
import { requestLogFields } from './request-context.js';

export type { Logger };

/**
 * JSON logs on stdout. Nothing secret is ever passed in: provider URLs are redacted at the source.
 * A line written while serving a request carries that request's id (`reqId`), wherever it is logged.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'balance-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: requestLogFields,
    redact: {
      paths: ['headers.authorization', '*.headers.authorization', 'req.headers["x-api-key"]', 'apiKey'],
      censor: '***',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
