import { supportedLanguages, type Language } from '../../../../db/schema/clinic';
import type { AppointmentModality } from '../../../../db/schema/scheduling';

/**
 * The words of every message a patient gets about an appointment — reminders (email and SMS)
 * and booking notices (booked, moved, cancelled) — in English, Spanish, Portuguese, French and
 * Simplified Chinese. Dates and times are written by Intl in the message's language and in the
 * appointment location's time zone, with the zone's name, so "9:00" means the clinic's 9:00.
 *
 * Minimal PHI: never the visit's reason or any clinical detail. SMS (which leaves the clinic on
 * a phone's lock screen) carries only the first name, the time, the clinic's name and links.
 */

export type NoticeKind = 'booked' | 'rescheduled' | 'cancelled';

export interface ActionLinkUrls {
	confirm: string;
	cancel: string;
	reschedule: string;
}

export interface MessageContext {
	language: Language;
	clinicName: string;
	firstName: string;
	startsAt: Date;
	timeZone: string;
	typeName: string;
	practitionerName: string;
	modality: AppointmentModality;
	locationName: string | null;
	locationAddress: string;
	/** Where the patient manages appointments (the portal). */
	portalUrl: string;
}

export interface RenderedEmail {
	subject: string;
	text: string;
}

const locales: Record<Language, string> = { en: 'en-US', es: 'es', pt: 'pt', fr: 'fr', zh: 'zh-CN' };

/** Patient language → clinic default → English: the first that has templates. */
export function resolveLanguage(patientLanguage: string | null | undefined, clinicDefault: string | null | undefined): Language {
	for (const candidate of [patientLanguage, clinicDefault]) {
		if (candidate && (supportedLanguages as readonly string[]).includes(candidate) && candidate in phrases) return candidate as Language;
	}
	return 'en';
}

/** "Tuesday, March 3, 2026 at 9:00 AM EST" in the language, in the zone. */
export function formatWhen(date: Date, language: Language, timeZone: string): string {
	return new Intl.DateTimeFormat(locales[language], {
		weekday: 'long',
		year: 'numeric',
		month: 'long',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZone,
		timeZoneName: 'short'
	}).format(date);
}

/** "Mar 3, 9:00 AM EST": short enough for a subject line or an SMS. */
export function formatWhenShort(date: Date, language: Language, timeZone: string): string {
	return new Intl.DateTimeFormat(locales[language], {
		weekday: 'short',
		month: 'short',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZone,
		timeZoneName: 'short'
	}).format(date);
}

interface Phrases {
	greeting(first: string): string;
	reminderSubject(when: string): string;
	reminderIntro(clinic: string): string;
	escalationIntro: string;
	withProvider(type: string, provider: string): string;
	inPerson(location: string, address: string): string;
	telehealth: string;
	askAnswer: string;
	/** "Confirm: https://…", with the language's colon. */
	linkLine(label: string, url: string): string;
	confirm: string;
	cancel: string;
	reschedule: string;
	linksOnce: string;
	notYours: string;
	noticeSubject: Record<NoticeKind, (when: string) => string>;
	noticeIntro: Record<NoticeKind, (clinic: string) => string>;
	calendarAttached: string;
	cancelAttached: string;
	portal(url: string): string;
	sms(clinic: string, first: string, when: string, links: ActionLinkUrls): string;
	smsEscalation: string;
	signOff(clinic: string): string;
}

const phrases: Record<Language, Phrases> = {
	en: {
		linkLine: (label, url) => `${label}: ${url}`,
		greeting: (first) => `Hello ${first},`,
		reminderSubject: (when) => `Reminder: your appointment on ${when}`,
		reminderIntro: (clinic) => `This is a reminder of your appointment at ${clinic}:`,
		escalationIntro: 'We have not heard from you yet. Please tell us whether you will come.',
		withProvider: (type, provider) => `${type} with ${provider}`,
		inPerson: (location, address) => `At ${location}${address ? `, ${address}` : ''}`,
		telehealth: 'Video visit: the link to join is in the patient portal.',
		askAnswer: 'Please let us know whether you will come:',
		confirm: 'Confirm',
		cancel: 'Cancel',
		reschedule: 'Choose another time',
		linksOnce: 'Each link works once, until the appointment starts.',
		notYours: 'If you did not book this appointment, please call the clinic.',
		noticeSubject: {
			booked: (when) => `Your appointment is booked: ${when}`,
			rescheduled: (when) => `Your appointment was moved to ${when}`,
			cancelled: (when) => `Your appointment on ${when} was cancelled`
		},
		noticeIntro: {
			booked: (clinic) => `Your appointment at ${clinic} is booked:`,
			rescheduled: (clinic) => `Your appointment at ${clinic} has a new time:`,
			cancelled: (clinic) => `This appointment at ${clinic} was cancelled:`
		},
		calendarAttached: 'The attached calendar file adds it to your calendar.',
		cancelAttached: 'The attached calendar file removes it from your calendar.',
		portal: (url) => `See and change your appointments in the patient portal: ${url}`,
		sms: (clinic, first, when, l) => `${clinic}: Hi ${first}, a reminder of your visit on ${when}. Confirm: ${l.confirm} Cancel: ${l.cancel} Change time: ${l.reschedule}`,
		smsEscalation: 'We have not heard from you.',
		signOff: (clinic) => `${clinic}`
	},
	es: {
		linkLine: (label, url) => `${label}: ${url}`,
		greeting: (first) => `Hola, ${first}:`,
		reminderSubject: (when) => `Recordatorio: su cita del ${when}`,
		reminderIntro: (clinic) => `Le recordamos su cita en ${clinic}:`,
		escalationIntro: 'Todavía no hemos recibido su respuesta. Por favor, díganos si asistirá.',
		withProvider: (type, provider) => `${type} con ${provider}`,
		inPerson: (location, address) => `En ${location}${address ? `, ${address}` : ''}`,
		telehealth: 'Videoconsulta: encontrará el enlace para unirse en el portal del paciente.',
		askAnswer: 'Por favor, díganos si asistirá:',
		confirm: 'Confirmar',
		cancel: 'Cancelar',
		reschedule: 'Elegir otra hora',
		linksOnce: 'Cada enlace se puede usar una sola vez, hasta el inicio de la cita.',
		notYours: 'Si usted no reservó esta cita, llame a la clínica, por favor.',
		noticeSubject: {
			booked: (when) => `Su cita está reservada: ${when}`,
			rescheduled: (when) => `Su cita se cambió al ${when}`,
			cancelled: (when) => `Su cita del ${when} fue cancelada`
		},
		noticeIntro: {
			booked: (clinic) => `Su cita en ${clinic} está reservada:`,
			rescheduled: (clinic) => `Su cita en ${clinic} tiene una nueva hora:`,
			cancelled: (clinic) => `Esta cita en ${clinic} fue cancelada:`
		},
		calendarAttached: 'El archivo de calendario adjunto la añade a su calendario.',
		cancelAttached: 'El archivo de calendario adjunto la quita de su calendario.',
		portal: (url) => `Vea y cambie sus citas en el portal del paciente: ${url}`,
		sms: (clinic, first, when, l) => `${clinic}: Hola, ${first}. Le recordamos su cita el ${when}. Confirmar: ${l.confirm} Cancelar: ${l.cancel} Cambiar hora: ${l.reschedule}`,
		smsEscalation: 'No hemos recibido su respuesta.',
		signOff: (clinic) => `${clinic}`
	},
	pt: {
		linkLine: (label, url) => `${label}: ${url}`,
		greeting: (first) => `Olá, ${first},`,
		reminderSubject: (when) => `Lembrete: a sua consulta em ${when}`,
		reminderIntro: (clinic) => `Este é um lembrete da sua consulta em ${clinic}:`,
		escalationIntro: 'Ainda não recebemos a sua resposta. Diga-nos, por favor, se vai comparecer.',
		withProvider: (type, provider) => `${type} com ${provider}`,
		inPerson: (location, address) => `Em ${location}${address ? `, ${address}` : ''}`,
		telehealth: 'Teleconsulta: o link para entrar está no portal do paciente.',
		askAnswer: 'Diga-nos, por favor, se vai comparecer:',
		confirm: 'Confirmar',
		cancel: 'Cancelar',
		reschedule: 'Escolher outro horário',
		linksOnce: 'Cada link só pode ser usado uma vez, até o início da consulta.',
		notYours: 'Se não marcou esta consulta, ligue para a clínica, por favor.',
		noticeSubject: {
			booked: (when) => `A sua consulta está marcada: ${when}`,
			rescheduled: (when) => `A sua consulta foi remarcada para ${when}`,
			cancelled: (when) => `A sua consulta de ${when} foi cancelada`
		},
		noticeIntro: {
			booked: (clinic) => `A sua consulta em ${clinic} está marcada:`,
			rescheduled: (clinic) => `A sua consulta em ${clinic} tem um novo horário:`,
			cancelled: (clinic) => `Esta consulta em ${clinic} foi cancelada:`
		},
		calendarAttached: 'O ficheiro de calendário em anexo adiciona-a ao seu calendário.',
		cancelAttached: 'O ficheiro de calendário em anexo remove-a do seu calendário.',
		portal: (url) => `Veja e altere as suas consultas no portal do paciente: ${url}`,
		sms: (clinic, first, when, l) => `${clinic}: Olá, ${first}. Lembrete da sua consulta em ${when}. Confirmar: ${l.confirm} Cancelar: ${l.cancel} Mudar horário: ${l.reschedule}`,
		smsEscalation: 'Ainda não recebemos a sua resposta.',
		signOff: (clinic) => `${clinic}`
	},
	fr: {
		linkLine: (label, url) => `${label} : ${url}`,
		greeting: (first) => `Bonjour ${first},`,
		reminderSubject: (when) => `Rappel : votre rendez-vous du ${when}`,
		reminderIntro: (clinic) => `Nous vous rappelons votre rendez-vous à ${clinic} :`,
		escalationIntro: 'Nous n’avons pas encore reçu votre réponse. Merci de nous dire si vous viendrez.',
		withProvider: (type, provider) => `${type} avec ${provider}`,
		inPerson: (location, address) => `Lieu : ${location}${address ? `, ${address}` : ''}`,
		telehealth: 'Téléconsultation : le lien pour vous connecter se trouve dans le portail patient.',
		askAnswer: 'Merci de nous dire si vous viendrez :',
		confirm: 'Confirmer',
		cancel: 'Annuler',
		reschedule: 'Choisir un autre horaire',
		linksOnce: 'Chaque lien ne sert qu’une fois et reste valable jusqu’au début du rendez-vous.',
		notYours: 'Si vous n’avez pas pris ce rendez-vous, merci d’appeler le cabinet.',
		noticeSubject: {
			booked: (when) => `Votre rendez-vous est pris : ${when}`,
			rescheduled: (when) => `Votre rendez-vous a été déplacé au ${when}`,
			cancelled: (when) => `Votre rendez-vous du ${when} est annulé`
		},
		noticeIntro: {
			booked: (clinic) => `Votre rendez-vous à ${clinic} est pris :`,
			rescheduled: (clinic) => `Votre rendez-vous à ${clinic} a un nouvel horaire :`,
			cancelled: (clinic) => `Ce rendez-vous à ${clinic} est annulé :`
		},
		calendarAttached: 'Le fichier de calendrier joint l’ajoute à votre agenda.',
		cancelAttached: 'Le fichier de calendrier joint le retire de votre agenda.',
		portal: (url) => `Consultez et modifiez vos rendez-vous dans le portail patient : ${url}`,
		sms: (clinic, first, when, l) => `${clinic} : Bonjour ${first}, rappel de votre rendez-vous le ${when}. Confirmer : ${l.confirm} Annuler : ${l.cancel} Changer d’horaire : ${l.reschedule}`,
		smsEscalation: 'Nous n’avons pas reçu votre réponse.',
		signOff: (clinic) => `${clinic}`
	},
	zh: {
		linkLine: (label, url) => `${label}：${url}`,
		greeting: (first) => `${first}，您好：`,
		reminderSubject: (when) => `预约提醒：${when}`,
		reminderIntro: (clinic) => `这是您在${clinic}的预约提醒：`,
		escalationIntro: '我们尚未收到您的回复，请告诉我们您是否会按时就诊。',
		withProvider: (type, provider) => `${type}（${provider}）`,
		inPerson: (location, address) => `地点：${location}${address ? `，${address}` : ''}`,
		telehealth: '视频问诊：加入链接在患者门户中。',
		askAnswer: '请告诉我们您是否会按时就诊：',
		confirm: '确认',
		cancel: '取消',
		reschedule: '改约其他时间',
		linksOnce: '每个链接只能使用一次，在预约开始前有效。',
		notYours: '如果您没有预约此次就诊，请致电诊所。',
		noticeSubject: {
			booked: (when) => `预约成功：${when}`,
			rescheduled: (when) => `您的预约已改至${when}`,
			cancelled: (when) => `您${when}的预约已取消`
		},
		noticeIntro: {
			booked: (clinic) => `您在${clinic}的预约已成功：`,
			rescheduled: (clinic) => `您在${clinic}的预约已改到新的时间：`,
			cancelled: (clinic) => `您在${clinic}的以下预约已取消：`
		},
		calendarAttached: '附件中的日历文件可将其添加到您的日历。',
		cancelAttached: '附件中的日历文件可将其从您的日历中删除。',
		portal: (url) => `在患者门户中查看和更改您的预约：${url}`,
		sms: (clinic, first, when, l) => `${clinic}：${first}，您好！提醒您${when}的预约。确认：${l.confirm} 取消：${l.cancel} 改约：${l.reschedule}`,
		smsEscalation: '我们尚未收到您的回复。',
		signOff: (clinic) => `${clinic}`
	}
};

function details(p: Phrases, c: MessageContext): string[] {
	const when = formatWhen(c.startsAt, c.language, c.timeZone);
	return [
		`  ${when}`,
		`  ${p.withProvider(c.typeName, c.practitionerName)}`,
		`  ${c.modality === 'telehealth' ? p.telehealth : p.inPerson(c.locationName ?? c.clinicName, c.locationAddress)}`
	];
}

/** The reminder email: when, what, where, and the three single-use links. */
export function renderReminderEmail(c: MessageContext, links: ActionLinkUrls, options: { escalation?: boolean } = {}): RenderedEmail {
	const p = phrases[c.language];
	const lines = [p.greeting(c.firstName), ''];
	if (options.escalation) lines.push(p.escalationIntro, '');
	lines.push(
		p.reminderIntro(c.clinicName),
		'',
		...details(p, c),
		'',
		p.askAnswer,
		'',
		p.linkLine(p.confirm, links.confirm),
		p.linkLine(p.cancel, links.cancel),
		p.linkLine(p.reschedule, links.reschedule),
		'',
		p.linksOnce,
		p.portal(c.portalUrl),
		'',
		p.signOff(c.clinicName)
	);
	return { subject: p.reminderSubject(formatWhenShort(c.startsAt, c.language, c.timeZone)), text: lines.join('\n') };
}

/** The reminder SMS: first name, time, clinic and links; nothing else about the visit. */
export function renderReminderSms(c: Pick<MessageContext, 'language' | 'clinicName' | 'firstName' | 'startsAt' | 'timeZone'>, links: ActionLinkUrls, options: { escalation?: boolean } = {}): string {
	const p = phrases[c.language];
	const text = p.sms(c.clinicName, c.firstName, formatWhenShort(c.startsAt, c.language, c.timeZone), links);
	return options.escalation ? `${p.smsEscalation} ${text}` : text;
}

/** The booking notice: booked, moved or cancelled; the .ics goes along as an attachment. */
export function renderNoticeEmail(c: MessageContext, kind: NoticeKind): RenderedEmail {
	const p = phrases[c.language];
	const lines = [
		p.greeting(c.firstName),
		'',
		p.noticeIntro[kind](c.clinicName),
		'',
		...details(p, c),
		'',
		kind === 'cancelled' ? p.cancelAttached : p.calendarAttached,
		p.portal(c.portalUrl),
		'',
		p.notYours,
		'',
		p.signOff(c.clinicName)
	];
	return { subject: p.noticeSubject[kind](formatWhenShort(c.startsAt, c.language, c.timeZone)), text: lines.join('\n') };
}
