/**
 * A real SMTP server on loopback for tests (smtp-server + mailparser): mail delivered to it is
 * parsed and kept in order, and a test can wait for the next message instead of sleeping.
 * Not used by the product.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedEmail {
	to: string;
	subject: string;
	text: string;
	messageId: string;
	from: string;
	/** Content-Language, when the message says. */
	language: string;
	attachments: { filename: string; contentType: string; content: string }[];
}

export interface TestSmtpServer {
	url: string;
	/** Every message accepted, in order, resends included. */
	received: ReceivedEmail[];
	/**
	 * What a recipient sees: messages with a Message-ID already delivered are dropped, as an MTA
	 * or mail client that deduplicates on Message-ID would.
	 */
	inbox(): ReceivedEmail[];
	/** Refuse the next N DATA commands with a temporary failure (451). */
	rejectNext(count: number): void;
	/** Resolves with the first message (already received or arriving) that matches. */
	waitFor(match: (email: ReceivedEmail) => boolean, timeoutMs?: number): Promise<ReceivedEmail>;
	close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
	const received: ReceivedEmail[] = [];
	const waiters: { match: (e: ReceivedEmail) => boolean; resolve: (e: ReceivedEmail) => void }[] = [];
	let rejections = 0;
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, _session, callback) {
			if (rejections > 0) {
				rejections -= 1;
				stream.resume();
				stream.on('end', () => {
					const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
					callback(error);
				});
				return;
			}
			simpleParser(stream)
				.then((mail: ParsedMail) => {
					const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
					const language = mail.headers.get('content-language');
					const email: ReceivedEmail = {
						to,
						subject: mail.subject ?? '',
						text: mail.text ?? '',
						messageId: mail.messageId ?? '',
						from: mail.from?.text ?? '',
						language: typeof language === 'string' ? language : '',
						attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content.toString('utf8') }))
					};
					received.push(email);
					for (const waiter of [...waiters]) {
						if (waiter.match(email)) {
							waiters.splice(waiters.indexOf(waiter), 1);
							waiter.resolve(email);
						}
					}
					callback();
				})
				.catch((error: Error) => callback(error));
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.server.address() as AddressInfo;
	return {
		url: `smtp://127.0.0.1:${port}`,
		received,
		inbox() {
			const seen = new Set<string>();
			return received.filter((e) => {
				if (e.messageId && seen.has(e.messageId)) return false;
				seen.add(e.messageId);
				return true;
			});
		},
		rejectNext(count) {
			rejections = count;
		},
		waitFor(match, timeoutMs = 15_000) {
			const already = received.find(match);
			if (already) return Promise.resolve(already);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error('No matching email arrived in time.')), timeoutMs);
				waiters.push({
					match,
					resolve: (email) => {
						clearTimeout(timer);
						resolve(email);
					}
				});
			});
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

/** The first http(s) link in an email's text. */
export function firstLink(text: string): string {
	const match = /https?:\/\/\S+/.exec(text);
	if (!match) throw new Error('The email holds no link.');
	return match[0];
}
