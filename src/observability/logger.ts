import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** JSON logs on stdout. Nothing secret is ever passed in: provider URLs are redacted at the source. */
export function createLogger(level: LevelWithSilent): Logger {
  return pino({
    level,
    base: { service: 'balance-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['headers.authorization', '*.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '***',
    },
  });
}
