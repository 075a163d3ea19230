import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import { waitForHydration } from './support';

/** Secure messaging journeys: key setup, unread counts and test files. */

/** Sets up secure messaging on this browser (first device) with a recovery passphrase, from the page at `path`. */
export async function setUpSecureMessaging(page: Page, path: string, passphrase: string): Promise<void> {
	await page.goto(path);
	await waitForHydration(page);
	await expect(page.getByRole('heading', { name: 'Set up secure messaging' })).toBeVisible({ timeout: 20_000 });
	await page.getByLabel('Recovery passphrase', { exact: true }).fill(passphrase);
	await page.getByLabel('Type the passphrase again').fill(passphrase);
	await page.getByRole('button', { name: 'Set up secure messaging' }).click();
	await expect(page.getByRole('heading', { name: 'Set up secure messaging' })).toBeHidden({ timeout: 30_000 });
}

/** The unread count the navigation's "Messages" link names ("Messages (2 unread)"). */
export async function unreadMessagesInNavigation(page: Page): Promise<number> {
	const name = (await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Messages/ }).getAttribute('aria-label')) ?? '';
	return Number(/\((\d+) unread\)/.exec(name)?.[1] ?? 0);
}

/** A random marker no page, seed or log could contain by chance. */
export function randomMarker(prefix: string): string {
	return `${prefix}-${randomBytes(9).toString('hex')}`;
}

const crcTable = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();
function crc32(bytes: Buffer): number {
	let c = 0xffffffff;
	for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

/**
 * A valid PNG of random RGB pixels: it decodes in the browser (so the preview can be checked),
 * and random pixels do not compress, so the file carries long runs of random bytes to look for.
 */
export function randomPixelsPng(width = 96, height = 96): Buffer {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header[8] = 8; // bit depth
	header[9] = 2; // RGB
	const rows: Buffer[] = [];
	for (let y = 0; y < height; y++) rows.push(Buffer.concat([Buffer.from([0]), randomBytes(width * 3)]));
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 0 })), chunk('IEND', Buffer.alloc(0))]);
}
