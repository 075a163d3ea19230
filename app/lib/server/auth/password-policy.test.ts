import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkPassword } from './password-policy';

const context = { email: 'maria.lopez@example.org', clinicName: 'Riverside Family Health' };

describe('checkPassword', () => {
	it('accepts a long, uncommon passphrase', () => {
		expect(checkPassword('lantern orbit kettle 47', context)).toBeNull();
	});

	it('refuses fewer than 12 characters', () => {
		expect(checkPassword('Sh0rt!pass', context)).toBe('Use at least 12 characters.');
	});

	it.each(['password1234', 'Password1234', 'qwerty123456', 'iloveyou1234', '123456789012', 'correct horse battery staple', 'aaaaaaaaaaaaaaaa'])(
		'refuses the common password %s',
		(password) => {
			expect(checkPassword(password, context)).toMatch(/commonly used passwords/);
		}
	);

	it('refuses a password holding the email name, in any case or punctuation', () => {
		expect(checkPassword('MariaLopez-2026!', context)).toMatch(/email address/);
		expect(checkPassword('xx maria.lopez xx', context)).toMatch(/email address/);
	});

	it('refuses a password holding the clinic name', () => {
		expect(checkPassword('riversidefamilyhealth1', context)).toMatch(/clinic/);
	});

	it('ships a list of 10,000 common passwords', () => {
		const lines = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8').trim().split('\n');
		expect(lines).toHaveLength(10_000);
		expect(lines.slice(0, 3)).toEqual(['123456', 'password', '12345678']);
	});
});
