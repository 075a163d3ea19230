/**
 * A Twilio-compatible SMS gateway on loopback for tests (node:http): it checks basic auth,
 * parses the form body, keeps every accepted request in order, and — as Twilio does with
 * I-Twilio-Idempotency-Token — accepts a resend with a token it has seen without delivering it
 * again. A test can wait for the next message instead of sleeping. Not used by the product.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
	accountSid: string;
	to: string;
	from: string;
	body: string;
	idempotencyToken: string;
	/** The Idempotency-Key header, sent alongside Twilio's own. */
	idempotencyKey: string;
	/** The user and password of the request's basic auth. */
	auth: { user: string; password: string } | null;
	contentType: string;
}

export interface TestSmsGateway {
	/** The SMS_GATEWAY_URL to configure. */
	url: string;
	accountSid: string;
	authToken: string;
	/** Every request accepted, resends included. */
	requests: ReceivedSms[];
	/** What phones received: one per idempotency token. */
	delivered: ReceivedSms[];
	/** Answer the next N requests with 503. */
	failNext(count: number): void;
	waitFor(match: (sms: ReceivedSms) => boolean, timeoutMs?: number): Promise<ReceivedSms>;
	close(): Promise<void>;
}

export async function startTestSmsGateway(options: { accountSid?: string; authToken?: string } = {}): Promise<TestSmsGateway> {
	const accountSid = options.accountSid ?? 'ACtest0000000000000000000000000000';
	const authToken = options.authToken ?? 'test-auth-token';
	const requests: ReceivedSms[] = [];
	const delivered: ReceivedSms[] = [];
	const seenTokens = new Set<string>();
	const waiters: { match: (s: ReceivedSms) => boolean; resolve: (s: ReceivedSms) => void }[] = [];
	let failures = 0;

	const readBody = (req: IncomingMessage) =>
		new Promise<string>((resolve, reject) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
			req.on('error', reject);
		});

	const server = createServer((req, res) => {
		void (async () => {
			const body = await readBody(req);
			const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
			if (req.method !== 'POST' || !match) {
				res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
				return;
			}
			const header = req.headers.authorization ?? '';
			const decoded = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : '';
			const colon = decoded.indexOf(':');
			const auth = colon > 0 ? { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
			if (!auth || auth.user !== accountSid || auth.password !== authToken || decodeURIComponent(match[1]!) !== accountSid) {
				res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":20003,"message":"Authenticate"}');
				return;
			}
			if (failures > 0) {
				failures -= 1;
				res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"try later"}');
				return;
			}
			const form = new URLSearchParams(body);
			const sms: ReceivedSms = {
				accountSid,
				to: form.get('To') ?? '',
				from: form.get('From') ?? '',
				body: form.get('Body') ?? '',
				idempotencyToken: String(req.headers['i-twilio-idempotency-token'] ?? ''),
				idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
				auth,
				contentType: String(req.headers['content-type'] ?? '')
			};
			requests.push(sms);
			const duplicate = sms.idempotencyToken !== '' && seenTokens.has(sms.idempotencyToken);
			if (!duplicate) {
				if (sms.idempotencyToken) seenTokens.add(sms.idempotencyToken);
				delivered.push(sms);
				for (const waiter of [...waiters]) {
					if (waiter.match(sms)) {
						waiters.splice(waiters.indexOf(waiter), 1);
						waiter.resolve(sms);
					}
				}
			}
			res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${requests.length}`, status: 'queued' }));
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		accountSid,
		authToken,
		requests,
		delivered,
		failNext(count) {
			failures = count;
		},
		waitFor(match, timeoutMs = 15_000) {
			const already = delivered.find(match);
			if (already) return Promise.resolve(already);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error('No matching SMS arrived in time.')), timeoutMs);
				waiters.push({
					match,
					resolve: (sms) => {
						clearTimeout(timer);
						resolve(sms);
					}
				});
			});
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
