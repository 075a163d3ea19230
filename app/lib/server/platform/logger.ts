import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Patient data never goes in a log line: log ids, never names, dates of
 * birth, MRNs, free text or request bodies. The redaction list is a second line of defence
 * for fields that might slip into an error object.
 */
export function createLogger(level: string): Logger {
	return pino({
		level,
		base: { service: 'clinicsync' },
		timestamp: pino.stdTimeFunctions.isoTime,
		redact: {
			paths: [
				'password',
				'*.password',
				'token',
				'*.token',
				'req.headers.cookie',
				'req.headers.authorization',
				'*.email',
				'*.givenName',
				'*.familyName',
				'*.birthDate',
				'*.mrn',
				'*.phone'
			],
			censor: '[redacted]'
		}
	});
}
