import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { demoAccounts, signIn, waitForHydration } from './support';
import { randomMarker, randomPixelsPng, setUpSecureMessaging } from './chat-support';

/**
 * Proof of encryption: a chat with text and an attachment goes through the real UI in Chromium
 * (and the recipient reads both, so they were really sent); then the whole PostgreSQL database
 * (pg_dump) and the server's data directory, attachment storage included, are searched for the
 * message's text and for a run of random bytes from the attachment — raw, hex and base64. None
 * may be found. Runs in the 'postgres' project (playwright.config.ts), on the PostgreSQL server.
 */

const run = promisify(execFile);

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true });
	const nested = await Promise.all(
		entries.map((entry) => {
			const path = join(dir, entry.name);
			return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? Promise.resolve([path]) : Promise.resolve([]);
		})
	);
	return nested.flat();
}

/** The forms a byte string could be stored in: raw, hex (both cases), base64 and base64url at every alignment. */
function encodings(name: string, bytes: Buffer): { name: string; needle: Buffer }[] {
	const found = [
		{ name: `${name} (raw)`, needle: bytes },
		{ name: `${name} (hex)`, needle: Buffer.from(bytes.toString('hex')) },
		{ name: `${name} (HEX)`, needle: Buffer.from(bytes.toString('hex').toUpperCase()) }
	];
	// Base64 of a longer stream contains the base64 of our bytes only when they start on a
	// 3-byte boundary of it: one of these three slices does, whatever the stream's start.
	for (let shift = 0; shift < 3; shift++) {
		const slice = bytes.subarray(shift, shift + Math.floor((bytes.length - shift) / 3) * 3);
		found.push({ name: `${name} (base64, shift ${shift})`, needle: Buffer.from(slice.toString('base64')) });
		found.push({ name: `${name} (base64url, shift ${shift})`, needle: Buffer.from(slice.toString('base64url')) });
	}
	return found;
}

test('neither the message text nor the attachment bytes are in the database dump or the file storage', async ({ browser }) => {
	test.setTimeout(240_000);
	const databaseUrl = process.env.E2E_POSTGRES_DATABASE_URL;
	const dataDir = process.env.E2E_POSTGRES_DATA_DIR;
	expect(databaseUrl, 'playwright.config.ts names the PostgreSQL e2e database').toBeTruthy();
	expect(dataDir, 'playwright.config.ts names the PostgreSQL server’s data directory').toBeTruthy();

	const marker = randomMarker('plaintext-marker');
	const file = Buffer.concat([randomPixelsPng(128, 128)]);
	// A distinctive run from the middle of the file: random pixels, stored uncompressed.
	const run48 = file.subarray(Math.floor(file.length / 2), Math.floor(file.length / 2) + 48);
	expect(run48.length).toBe(48);

	const chenContext = await browser.newContext();
	const patelContext = await browser.newContext();
	try {
		const patel = await patelContext.newPage();
		await signIn(patel, demoAccounts.nurse);
		await setUpSecureMessaging(patel, '/account/secure-messaging', 'proof nurse passphrase 2026');

		const chen = await chenContext.newPage();
		await signIn(chen, demoAccounts.physician);
		await setUpSecureMessaging(chen, '/account/secure-messaging', 'proof doctor passphrase 2026');
		await chen.goto('/messages');
		await waitForHydration(chen);
		await chen.getByRole('button', { name: 'New conversation' }).click();
		const dialog = chen.getByRole('dialog', { name: 'New conversation' });
		await dialog.getByLabel('Find people').fill('Patel');
		await dialog.getByRole('radio', { name: /Priya Patel/ }).check();
		await dialog.getByRole('button', { name: 'Start conversation' }).click();
		await expect(chen).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		await waitForHydration(chen);
		const conversationUrl = chen.url();

		await chen.getByLabel('Attach a file').setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: file });
		await chen.getByRole('textbox', { name: 'Message' }).fill(`Results attached ${marker}`);
		await chen.getByRole('button', { name: 'Send', exact: true }).click();
		await expect(chen.getByRole('article').filter({ hasText: marker })).toBeVisible();

		// The recipient decrypts both: what we look for was really sent.
		await patel.goto(new URL(conversationUrl).pathname);
		await waitForHydration(patel);
		const received = patel.getByRole('article').filter({ hasText: marker });
		await expect(received).toBeVisible({ timeout: 20_000 });
		const image = received.getByRole('img', { name: 'Attached image: scan.png' });
		await expect(image).toBeVisible({ timeout: 20_000 });
		await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128);
	} finally {
		await chenContext.close();
		await patelContext.close();
	}

	// ── the database, as a backup would hold it ──
	const outDir = resolve('test-results', `encryption-proof-${randomBytes(4).toString('hex')}`);
	await mkdir(outDir, { recursive: true });
	const dumpPath = join(outDir, 'database.sql');
	await run('pg_dump', ['--no-owner', '--file', dumpPath, databaseUrl!], { maxBuffer: 16 * 1024 * 1024 });
	const dump = await readFile(dumpPath);
	// The dump is real: it holds the messages table and the conversation's ciphertext rows.
	expect(dump.includes(Buffer.from('COPY public.chat_messages'))).toBe(true);
	expect(dump.includes(Buffer.from('Dr. Emily Chen'))).toBe(true);

	// ── the file storage: the server's whole data directory, attachments included ──
	const attachmentsDir = join(dataDir!, 'chat-attachments');
	const attachmentFiles = await filesUnder(attachmentsDir);
	expect(attachmentFiles.length, 'the attachment was stored').toBeGreaterThan(0);
	const storedBytes = (await Promise.all(attachmentFiles.map((f) => stat(f)))).reduce((sum, s) => sum + s.size, 0);
	expect(storedBytes).toBeGreaterThanOrEqual(file.length);
	const storage = await filesUnder(dataDir!);

	const needles = [...encodings('message text', Buffer.from(marker)), ...encodings('attachment bytes', Buffer.from(run48))];
	const anyNeedleIn = (haystack: Buffer) => needles.some(({ needle }) => haystack.includes(needle));
	// The search would see a leak in any of these forms (so finding nothing means something).
	for (let prefix = 0; prefix < 3; prefix++) {
		const shifted = Buffer.concat([randomBytes(prefix), file]);
		for (const form of [shifted, Buffer.from(shifted.toString('hex')), Buffer.from(shifted.toString('base64')), Buffer.from(shifted.toString('base64url'))]) {
			expect(anyNeedleIn(Buffer.concat([randomBytes(7), form]))).toBe(true);
		}
	}
	expect(anyNeedleIn(Buffer.from(JSON.stringify({ body: `Results attached ${marker}` })))).toBe(true);
	const leaks: string[] = [];
	for (const { name, needle } of needles) {
		if (dump.includes(needle)) leaks.push(`${name} in the database dump`);
	}
	for (const path of storage) {
		const bytes = await readFile(path);
		for (const { name, needle } of needles) {
			if (bytes.includes(needle)) leaks.push(`${name} in ${path}`);
		}
	}
	expect(leaks).toEqual([]);
});
