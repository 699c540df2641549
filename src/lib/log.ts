import winston from 'winston';

/** JSON logs on stderr (one object a line), the level from IX_LOG_LEVEL (default info). */
export const log = winston.createLogger({
  level: process.env.IX_LOG_LEVEL ?? 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
  defaultMeta: {},
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
});

export type Logger = winston.Logger;
