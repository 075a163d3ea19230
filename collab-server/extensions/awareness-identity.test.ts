import { describe, expect, it } from 'vitest';
import { colorForUser } from './awareness-identity';

describe('colorForUser', () => {
	it('gives each person one #rrggbb colour, the same every time', () => {
		const id = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
		expect(colorForUser(id)).toMatch(/^#[0-9a-f]{6}$/);
		expect(colorForUser(id)).toBe(colorForUser(id));
		expect(colorForUser(id)).not.toBe(colorForUser('9b2e28ba-2fa1-41d2-883f-0016d3cca427'));
	});
});
