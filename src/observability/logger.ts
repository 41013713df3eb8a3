import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { DestinationStream } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Nothing secret is ever passed in: provider URLs are redacted at the source.
 * A line written for a request carries its id (`reqId`): the HTTP layer passes it down explicitly.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'balance-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['headers.authorization', '*.headers.authorization', 'req.headers["x-api-key"]', 'apiKey'],
      censor: '***',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
