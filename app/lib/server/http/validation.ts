import { json } from '@sveltejs/kit';
import { z } from 'zod';

/** Field name → first message, as forms and JSON errors show them. */
export type FieldErrors = Record<string, string>;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors; message: string };

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of error.issues) {
		const key = issue.path.length > 0 ? issue.path.join('.') : 'form';
		errors[key] ??= issue.message;
	}
	return errors;
}

function parsed<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
	const result = schema.safeParse(input);
	if (result.success) return { ok: true, data: result.data };
	return { ok: false, errors: fieldErrorsOf(result.error), message: 'Some fields need attention.' };
}

/**
 * Reads a form post into a plain object (the last value wins; File values are kept) and
 * validates it. A body that is not a form at all is a validation error, not a crash.
 */
export async function parseFormData<T>(request: Request, schema: z.ZodType<T>): Promise<Parsed<T> & { values: Record<string, string> }> {
	let form: FormData;
	try {
		form = await request.formData();
	} catch {
		return { ok: false, errors: { form: 'The form could not be read. Reload the page and try again.' }, message: 'The form could not be read.', values: {} };
	}
	const input: Record<string, FormDataEntryValue> = {};
	const values: Record<string, string> = {};
	for (const [key, value] of form) {
		input[key] = value;
		// Echoed back into the form on error; never passwords.
		if (typeof value === 'string' && !/password/i.test(key)) values[key] = value.slice(0, 500);
	}
	return { ...parsed(schema, input), values };
}

export async function parseJsonBody<T>(request: Request, schema: z.ZodType<T>): Promise<Parsed<T>> {
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return { ok: false, errors: { body: 'The request body must be JSON.' }, message: 'The request body must be JSON.' };
	}
	return parsed(schema, body);
}

export function parseSearchParams<T>(params: URLSearchParams, schema: z.ZodType<T>): Parsed<T> {
	return parsed(schema, Object.fromEntries(params));
}

/** The 400 answer of a JSON endpoint: a sentence and the field messages. */
export function badRequest(message: string, errors: FieldErrors = {}): Response {
	return json({ message, errors }, { status: 400 });
}

/** Shared field rules so every form says the same thing about the same field. */
export const fields = {
	email: z
		.string({ error: 'Enter an email address.' })
		.trim()
		.toLowerCase()
		.min(1, 'Enter an email address.')
		.max(254, 'That email address is too long.')
		.email('Enter a valid email address, like name@example.org.'),
	password: z.string({ error: 'Enter a password.' }).min(1, 'Enter a password.').max(256, 'That password is too long.'),
	newPassword: z
		.string({ error: 'Choose a password.' })
		.min(12, 'Use at least 12 characters.')
		.max(256, 'Use at most 256 characters.'),
	personName: z
		.string({ error: 'Enter a name.' })
		.trim()
		.min(1, 'Enter a name.')
		.max(120, 'Use at most 120 characters.'),
	uuid: z.string().uuid('That is not a valid id.')
};
