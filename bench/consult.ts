/**
 * Video consult benchmark: `npm run bench:consult [-- --json] [--calls 20] [--url http://…]`.
 *
 * Admit-to-first-remote-frame over 20 calls in headless Chromium with fake camera and
 * microphone: Dr. Chen (demo clinic) has a consult open with Maria Garcia waiting; the clock
 * starts when he clicks "Admit" and stops when Maria's page shows the first decoded frame of his
 * video (requestVideoFrameCallback on the remote tile). Each call is ended afterwards, so every
 * run admits into a fresh consult. Beside it, from the same run and browser: the baseline, two
 * RTCPeerConnections in one page on loopback, from createOffer to the first decoded frame —
 * what WebRTC itself costs here, without the waiting room, signaling server or page.
 *
 * Without --url it starts the built app (`npm run build` first) on a free port with a fresh
 * embedded database and loads the demo clinic. Target (issue 7): p50 < 2 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright';
import { summarize, type Summary } from './consult/stats';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false }, calls: { type: 'string', default: '20' }, url: { type: 'string' } } });
const calls = Math.max(1, Number(args.calls) || 20);
const password = 'demo-password-2026';
const targetP50Ms = 2_000;

function progress(message: string): void {
	if (!args.json) process.stderr.write(`${message}\n`);
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

async function startApp(): Promise<{ url: string; stop: () => void }> {
	const port = await freePort();
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-consult-'));
	const child: ChildProcess = spawn('npx', ['tsx', 'server/start.ts'], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
		stdio: ['ignore', 'ignore', 'inherit'],
		detached: true
	});
	const url = `http://localhost:${port}`;
	const stop = () => {
		try {
			process.kill(-child.pid!, 'SIGTERM');
		} catch {
			// Already gone.
		}
		rmSync(dataDir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 240_000;
	for (;;) {
		try {
			if ((await fetch(`${url}/healthz`)).ok) break;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline || child.exitCode !== null) {
			stop();
			throw new Error('The app did not start (run `npm run build` first).');
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	return { url, stop };
}

async function loadDemoClinic(browser: Browser, url: string): Promise<void> {
	const page = await browser.newPage({ baseURL: url });
	await page.goto('/');
	if (page.url().endsWith('/setup')) {
		await page.getByRole('button', { name: 'Load demo clinic' }).click();
		await page.waitForURL(/\/sign-in/, { timeout: 120_000 });
	}
	await page.close();
}

async function signIn(page: Page, email: string): Promise<void> {
	await page.goto('/sign-in');
	await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** One call: open, both through the device check, admit, first remote frame on Maria's side. */
async function oneCall(chen: Page, maria: Page, patientPath: string): Promise<number> {
	await chen.goto(patientPath);
	await chen.getByRole('button', { name: 'Start video consult' }).click();
	await chen.waitForURL(/\/consults\/[0-9a-f-]{36}$/);
	const consultId = chen.url().split('/').pop()!;
	await chen.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
	await chen.locator('[data-verdict]').waitFor();
	await chen.getByRole('button', { name: 'Join the call' }).click();
	await maria.goto(`/portal/consults/${consultId}`);
	await maria.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
	await maria.locator('[data-verdict]').waitFor();
	await maria.getByRole('button', { name: 'Go to the waiting room' }).click();
	await maria.getByTestId('waiting-status').waitFor();
	// Maria's page notes the instant the first frame of a remote camera is shown.
	const firstFrame = maria.evaluate(
		() =>
			new Promise<number>((resolve) => {
				const watch = () => {
					const video = document.querySelector<HTMLVideoElement>('figure[data-source="camera"][data-participant-id] video');
					if (!video) return requestAnimationFrame(watch);
					video.requestVideoFrameCallback(() => resolve(Date.now()));
				};
				watch();
			})
	);
	const admit = chen.getByRole('button', { name: 'Admit Maria Garcia' });
	await admit.waitFor();
	const admittedAt = Date.now();
	await admit.click();
	const shownAt = await firstFrame;
	await chen.getByRole('button', { name: 'End the visit…' }).click();
	await chen.getByRole('button', { name: 'End for everyone' }).click();
	await maria.getByRole('heading', { name: 'The video visit is over for you' }).waitFor();
	return shownAt - admittedAt;
}

/** Baseline: two RTCPeerConnections in one page, createOffer to the first decoded frame. */
async function baselineRun(page: Page): Promise<number> {
	return page.evaluate(async () => {
		const local = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 360 } }, audio: true });
		const a = new RTCPeerConnection();
		const b = new RTCPeerConnection();
		a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
		b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
		const video = document.createElement('video');
		video.muted = true;
		video.autoplay = true;
		document.body.append(video);
		const shown = new Promise<number>((resolve) => {
			b.ontrack = (e) => {
				if (e.track.kind !== 'video') return;
				video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
				video.requestVideoFrameCallback(() => resolve(performance.now()));
			};
		});
		const started = performance.now();
		for (const track of local.getTracks()) a.addTrack(track, local);
		await a.setLocalDescription(await a.createOffer());
		await b.setRemoteDescription(a.localDescription!);
		await b.setLocalDescription(await b.createAnswer());
		await a.setRemoteDescription(b.localDescription!);
		const at = await shown;
		a.close();
		b.close();
		for (const track of local.getTracks()) track.stop();
		video.remove();
		return at - started;
	});
}

async function main(): Promise<void> {
	const app = args.url ? { url: args.url, stop: () => {} } : await startApp();
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required']
	});
	try {
		await loadDemoClinic(browser, app.url);
		const chenContext = await browser.newContext({ baseURL: app.url });
		const mariaContext = await browser.newContext({ baseURL: app.url });
		// tsx keeps function names with a `__name` helper that page.evaluate's functions carry along.
		for (const context of [chenContext, mariaContext]) await context.addInitScript({ content: 'window.__name = (f) => f;' });
		const chen = await chenContext.newPage();
		const maria = await mariaContext.newPage();
		await signIn(chen, 'dr.chen@riverside.example');
		await signIn(maria, 'maria.garcia@example.com');
		await chen.goto(`/patients?q=${encodeURIComponent('Maria Garcia')}`);
		await chen.getByRole('link', { name: /Garcia, Maria|Maria Garcia/ }).first().click();
		await chen.waitForURL(/\/patients\/[0-9a-f-]{36}$/);
		const patientPath = new URL(chen.url()).pathname;

		const admitted: number[] = [];
		for (let i = 0; i < calls; i += 1) {
			admitted.push(await oneCall(chen, maria, patientPath));
			progress(`call ${i + 1}/${calls}: ${admitted.at(-1)} ms`);
		}
		const baselinePage = await chenContext.newPage();
		await baselinePage.goto('/sign-in');
		const baseline: number[] = [];
		for (let i = 0; i < calls; i += 1) baseline.push(await baselineRun(baselinePage));

		const results: { admitToFirstRemoteFrame: Summary; baselineTwoPeerConnections: Summary; targetP50Ms: number; machine: string } = {
			admitToFirstRemoteFrame: summarize(admitted),
			baselineTwoPeerConnections: summarize(baseline),
			targetP50Ms,
			machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load ${os.loadavg()[0]!.toFixed(1)}`
		};
		if (args.json) {
			process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
			return;
		}
		const row = (name: string, s: Summary) => `${name.padEnd(44)} ${String(s.runs).padStart(5)} ${String(s.p50Ms).padStart(8)} ${String(s.p95Ms).padStart(8)} ${String(s.minMs).padStart(8)} ${String(s.maxMs).padStart(8)}`;
		console.log(`${'measure'.padEnd(44)} ${'runs'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'min ms'.padStart(8)} ${'max ms'.padStart(8)}`);
		console.log(row('admit → first remote frame (ours)', results.admitToFirstRemoteFrame));
		console.log(row('baseline: 2 RTCPeerConnections, one page', results.baselineTwoPeerConnections));
		console.log(`target p50 < ${targetP50Ms} ms: ${results.admitToFirstRemoteFrame.p50Ms < targetP50Ms ? 'met' : 'NOT met'} · ${results.machine}`);
	} finally {
		await browser.close();
		app.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
