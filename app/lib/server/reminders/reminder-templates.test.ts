import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { supportedLanguages } from '../../../../db/schema/clinic';
import { LinkRefusal, signLinkToken, verifyLinkToken } from './action-links';
import { formatWhen, renderNoticeEmail, renderReminderEmail, renderReminderSms, resolveLanguage, type MessageContext } from './reminder-templates';

const startsAt = new Date('2026-03-09T13:30:00Z'); // 09:30 in New York (EDT since March 8), 13:30 in Lisbon (WET)
const context = (language: MessageContext['language'], timeZone = 'America/New_York'): MessageContext => ({
	language,
	clinicName: 'Lakeside Clinic',
	firstName: 'Ana',
	startsAt,
	timeZone,
	typeName: 'Office visit',
	practitionerName: 'Ana Ruiz, MD',
	modality: 'in_person',
	locationName: 'Main Street',
	locationAddress: '12 Main St, Riverside',
	portalUrl: 'http://clinic.test/portal/appointments'
});
const links = { confirm: 'http://clinic.test/appointment-links/c', cancel: 'http://clinic.test/appointment-links/x', reschedule: 'http://clinic.test/appointment-links/r' };

describe('reminder templates', () => {
	it('write the time in the language and the location zone, across the DST change', () => {
		expect(formatWhen(startsAt, 'en', 'America/New_York')).toBe('Monday, March 9, 2026 at 9:30 AM EDT');
		expect(formatWhen(startsAt, 'pt', 'Europe/Lisbon')).toMatch(/segunda-feira, 9 de março de 2026.*13:30/);
		expect(formatWhen(startsAt, 'es', 'America/New_York')).toMatch(/lunes, 9 de marzo de 2026.*9:30/);
		expect(formatWhen(startsAt, 'fr', 'America/New_York')).toMatch(/lundi 9 mars 2026.*09:30/);
		expect(formatWhen(startsAt, 'zh', 'America/New_York')).toMatch(/2026年3月9日星期一/);
	});

	it('exist in every language, with the links and without the visit reason', () => {
		const greetings = { en: 'Hello Ana,', es: 'Hola, Ana:', pt: 'Olá, Ana,', fr: 'Bonjour Ana,', zh: 'Ana，您好：' };
		for (const language of supportedLanguages) {
			const email = renderReminderEmail(context(language), links);
			expect(email.text.startsWith(greetings[language])).toBe(true);
			for (const url of Object.values(links)) expect(email.text).toContain(url);
			const sms = renderReminderSms(context(language), links);
			for (const url of Object.values(links)) expect(sms).toContain(url);
			expect(sms).toContain('Lakeside Clinic');
			expect(sms).not.toContain('Main Street');
			expect(sms).not.toContain('Ruiz');
			for (const kind of ['booked', 'rescheduled', 'cancelled'] as const) expect(renderNoticeEmail(context(language), kind).subject.length).toBeGreaterThan(5);
		}
		expect(renderReminderEmail(context('zh'), links).subject).toMatch(/^预约提醒：/);
		expect(renderReminderEmail(context('fr'), links).text).toContain('Confirmer : http://clinic.test/appointment-links/c');
		expect(renderReminderSms(context('es'), links, { escalation: true })).toMatch(/^No hemos recibido su respuesta\./);
	});

	it('fall back from the patient language to the clinic default, then English', () => {
		expect(resolveLanguage('pt', 'es')).toBe('pt');
		expect(resolveLanguage('de', 'fr')).toBe('fr');
		expect(resolveLanguage(null, 'xx')).toBe('en');
	});
});

describe('action link tokens', () => {
	const key = randomBytes(32);
	const link = { id: '0b9a3c1e-4d2f-4a5b-8c6d-7e8f9a0b1c2d', action: 'confirm' as const, expiresAt: new Date(Date.now() + 3600_000) };

	it('verify what was signed, and refuse any change, another key, or an expired link', () => {
		const token = signLinkToken(key, link);
		expect(verifyLinkToken(key, token)).toMatchObject({ linkId: link.id, action: 'confirm' });
		const [id, , exp, sig] = token.split('.');
		for (const bad of [`${id}.cancel.${exp}.${sig}`, `${id}.confirm.${Number(exp) + 1}.${sig}`, token.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')), '', 'x.y.z']) {
			expect(() => verifyLinkToken(key, bad)).toThrow(LinkRefusal);
		}
		expect(() => verifyLinkToken(randomBytes(32), token)).toThrow(/not valid/);
		const expired = signLinkToken(key, { ...link, expiresAt: new Date(Date.now() - 1000) });
		try {
			verifyLinkToken(key, expired);
			expect.unreachable();
		} catch (error) {
			expect(error).toMatchObject({ problem: 'expired', status: 410 });
		}
	});
});
