import nodemailer from 'nodemailer';
import type { MailTransport, OutgoingEmail } from './outbox-worker';

/**
 * SMTP through nodemailer, configured by SMTP_URL (smtp://user:pass@host:587, or smtps:// for
 * implicit TLS). One pooled connection; the Message-ID comes from the outbox so that a resend
 * after a crash carries the same id.
 */
export function createSmtpTransport(smtpUrl: string, from: string): MailTransport {
	const transporter = nodemailer.createTransport(smtpUrl);
	return {
		async send(email: OutgoingEmail) {
			await transporter.sendMail({
				from,
				to: email.to,
				subject: email.subject,
				text: email.text,
				html: email.html,
				messageId: email.messageId,
				attachments: email.attachments?.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.contentBase64, encoding: 'base64' }))
			});
		},
		close() {
			transporter.close();
		}
	};
}

/** The domain of the From address, for Message-IDs ("ClinicSync <no-reply@x.org>" → "x.org"). */
export function domainOfAddress(from: string): string {
	const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
	return match?.[1] ?? 'clinicsync.local';
}
