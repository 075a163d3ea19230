import type { z } from 'zod';

/**
 * Plain-words reasons for a value that fails its schema. The collaboration server closes a
 * connection with this text and the editor shows it, so it names the entry and the field rather
 * than printing zod's internals.
 */

/** Thrown by the write helpers when the caller asks for content the server would refuse. */
export class ShapeError extends Error {
	override name = 'ShapeError';
}

function fieldName(path: readonly PropertyKey[]): string {
	return path.length === 0 ? 'the value' : path.map(String).join('.');
}

export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
	const field = fieldName(issue.path);
	const missing = issue.path.length === 1 && typeof input === 'object' && input !== null && !(String(issue.path[0]) in input);
	if (missing && issue.code !== 'unrecognized_keys') return `${field} is missing`;
	// Schemas here word their own messages as "must …" where zod's would be cryptic.
	if (issue.message.startsWith('must ')) return `${field} ${issue.message}`;
	switch (issue.code) {
		case 'invalid_type':
			return `${field} must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
		case 'invalid_value':
			return `${field} must be one of ${issue.values.map(String).join(', ')}`;
		case 'too_small':
			if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? `${field} must not be empty` : `${field} must have at least ${issue.minimum} characters`;
			if (issue.origin === 'array') return `${field} must have at least ${issue.minimum} items`;
			return `${field} must be at least ${issue.minimum}`;
		case 'too_big':
			if (issue.origin === 'string') return `${field} is longer than ${issue.maximum} characters`;
			if (issue.origin === 'array') return `${field} has more than ${issue.maximum} items`;
			return `${field} must be at most ${issue.maximum}`;
		case 'invalid_format':
			if (issue.format === 'date') return `${field} must be a date (YYYY-MM-DD)`;
			if (issue.format === 'datetime') return `${field} must be a date and time (ISO 8601)`;
			return `${field} is not in the expected format`;
		case 'unrecognized_keys':
			return `unknown field ${issue.keys.join(', ')}`;
		default:
			return `${field}: ${issue.message}`;
	}
}

/** `<subject>: <first problem>.` — one reason is enough to refuse, and keeps close frames short. */
export function describeShapeError(subject: string, error: z.ZodError, input: unknown): string {
	const issue = error.issues[0];
	return `${subject}: ${issue ? describeIssue(issue, input) : 'is not valid'}.`;
}
