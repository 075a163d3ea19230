import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const minPasswordLength = 12;
export const maxPasswordLength = 256;

/**
 * common-passwords.txt: 10,000 entries — well-known top entries of public leaked-password lists
 * (written from memory: no such list ships in node_modules here) plus the word+digits/year
 * variants those lists are full of. Compared lower-cased and without spaces.
 */
let commonPasswords: Set<string> | undefined;
function loadCommonPasswords(): Set<string> {
	commonPasswords ??= new Set(readCommonPasswordsFile().split('\n').map((line) => normalize(line)).filter(Boolean));
	return commonPasswords;
}

/**
 * Beside this module when it runs from source (tsx, vitest); from the package root when it runs
 * bundled in build/ (the build does not copy text files; `npm start` runs in the package root).
 */
function readCommonPasswordsFile(): string {
	const candidates = [new URL('./common-passwords.txt', import.meta.url), path.join(process.cwd(), 'app/lib/server/auth/common-passwords.txt')];
	for (const candidate of candidates) {
		if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
	}
	throw new Error('common-passwords.txt is missing: start the server from the ClinicSync folder.');
}

function normalize(value: string): string {
	return value.toLowerCase().replace(/\s+/g, '');
}

export interface PasswordContext {
	email?: string | null;
	clinicName?: string | null;
}

/**
 * The product's password rule (NIST SP 800-63B style: length and a blocklist, no composition
 * rules): at least 12 characters, not a commonly used password, and not built from the
 * person's email name or the clinic's name. Returns a plain-language message, or null when
 * the password is acceptable.
 */
export function checkPassword(password: string, context: PasswordContext = {}): string | null {
	if (password.length < minPasswordLength) return `Use at least ${minPasswordLength} characters.`;
	if (password.length > maxPasswordLength) return `Use at most ${maxPasswordLength} characters.`;
	const plain = normalize(password);
	if (loadCommonPasswords().has(plain) || /^(.)\1+$/.test(plain)) {
		return 'That password is on a list of commonly used passwords. Choose one that is harder to guess — a few unrelated words work well.';
	}
	const local = normalize(context.email?.split('@')[0] ?? '').replace(/[^a-z0-9]/g, '');
	if (local.length >= 3 && plain.replace(/[^a-z0-9]/g, '').includes(local)) {
		return 'Your password must not contain the name part of your email address.';
	}
	const clinic = normalize(context.clinicName ?? '').replace(/[^a-z0-9]/g, '');
	if (clinic.length >= 3 && plain.replace(/[^a-z0-9]/g, '').includes(clinic)) {
		return 'Your password must not contain the clinic’s name.';
	}
	return null;
}
