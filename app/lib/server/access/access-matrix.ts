/**
 * The access matrix: for every principal, who may reach every route (page loads, form actions,
 * endpoints), every socket.io client event and every kind of collaborative document. This file
 * is the declaration; server/access-matrix.int.test.ts runs it against the real server on both
 * databases and fails on any difference — an unexpected allow above all — and on any route,
 * event or document kind that has no line here, so a new one fails until someone decides.
 *
 * Reading a line: `allow` names who gets through; everyone else must be refused. Form actions
 * are posted as a browser without JavaScript posts them.
 *  - allowed: a 2xx; a 4xx about the input (400, 409, 410, 413, 422, 429), which means the
 *    request got past the guard; for a post, a 3xx to anywhere but sign-in, "/" or the
 *    principal's own home (the action did its work and shows the result);
 *  - refused: 401, 403 or 404; a 3xx from a page or endpoint read (it showed nothing); for a
 *    post, a 3xx to sign-in, "/" or the principal's home.
 * `landing` names where success is sent when that would otherwise read as a refusal (signing
 * out lands on /sign-in). `body` gives an action a valid input where authorization is decided
 * after validation. `last: true` runs the check after all the others, because it changes what
 * the principal may do next (ends the session, breaks the glass, shares or revokes).
 */

import type { MessageEnvelope } from '../../chat/protocol';

/** Who asks. Each principal acts on one target patient; "patientOther" is Maria asking for Mia. */
export const principals = [
	'admin',
	'physicianOnTeam',
	'physicianOffTeam',
	'nurse',
	'frontDesk',
	'billing',
	'patientOwn',
	'patientOther',
	'proxyRecords',
	'proxyNoRecords',
	'external',
	'anonymous'
] as const;
export type Principal = (typeof principals)[number];

/** Real ids the test fills in per principal (its target patient's, for the patient-shaped ones). */
export interface PrincipalContext {
	principal: Principal;
	patientId: string;
	documentId: string;
	/** One of the target patient's encounters (its clinical note). */
	encounterId: string;
	/** One of the target patient's treatment plans. */
	planId: string;
	/** A share of the target patient's record with a throwaway outside person (revocable). */
	shareId: string;
	/** A throwaway staff account that admin actions may change. */
	userId: string;
	/** Makes created things unique per principal and run. */
	unique: string;
	/** The target patient's thread with the care team (patient_care); holds one message with an attachment. */
	conversationId: string;
	/** That message (from a former member, so nobody here may delete it) and its encrypted attachment. */
	messageId: string;
	attachmentId: string;
	/**
	 * The principal's own signed chat device (stored, not yet claimed by the socket) and a message
	 * it signed for the target thread in a session it shares during the run (keys:share-room-key).
	 */
	chat: { deviceId: string; sessionId: string; envelope: MessageEnvelope; registration: { deviceId: string; signingKey: string; boxKey: string; label: string } };
	/** A compliance public key an administrator may set. */
	compliancePublicKey: string;
	/** An open, unscheduled video consult of the target patient, started by their care team's physician. */
	consultId: string;
}

export interface Expectation {
	allow: readonly Principal[];
	/** Where success redirects when that place would otherwise read as a refusal. */
	landing?: string;
	/** Run after every other check of the principal (see above). */
	last?: boolean;
	/** A valid body for a form action or endpoint, so authorization, not validation, decides. */
	body?: (ctx: PrincipalContext) => FormData | Record<string, string>;
	/** Query string for the request (without "?"). */
	query?: (ctx: PrincipalContext) => string;
	/** A raw body (an endpoint that streams bytes, such as an encrypted attachment upload). */
	raw?: (ctx: PrincipalContext) => { contentType: string; bytes: Uint8Array<ArrayBuffer> };
}

const staff = ['admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk', 'billing'] as const satisfies readonly Principal[];
const portalUsers = ['patientOwn', 'patientOther', 'proxyRecords', 'proxyNoRecords'] as const satisfies readonly Principal[];
const signedIn = [...staff, ...portalUsers, 'external'] as const satisfies readonly Principal[];
const everyone = [...signedIn, 'anonymous'] as const satisfies readonly Principal[];
const nobody = [] as const;
const admin = ['admin'] as const;
/** 'schedule.view' and 'schedule.book' (the same roles); 'schedule.manage'. */
const calendarStaff = ['admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk'] as const satisfies readonly Principal[];
const scheduleManagers = ['admin', 'frontDesk'] as const satisfies readonly Principal[];
/** Run the target patient's consult: 'consult.host' and clinical access to the patient (the care team). */
const consultClinicians = ['physicianOnTeam', 'nurse'] as const satisfies readonly Principal[];
/** The patient side of the target patient's consult: the patient, and proxies whose grant carries 'appointments' (both demo proxies do). */
const consultPatientSide = ['patientOwn', 'proxyRecords', 'proxyNoRecords'] as const satisfies readonly Principal[];
/** A public key of the right shape for consult:enter (32 zero bytes, base64). */
const consultPublicKey = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const noParticipant = '00000000-0000-4000-8000-000000000000';
/**
 * Who is in the target patient's thread with the care team (patient_care): the care team's
 * physician and nurse, the patient, and proxies whose grant carries the 'messages' scope — never
 * the front desk, billing, an administrator, a clinician outside the team, another patient or
 * an outside person.
 */
const patientThreadMembers = ['physicianOnTeam', 'nurse', 'patientOwn', 'proxyRecords', 'proxyNoRecords'] as const satisfies readonly Principal[];

function allow(...who: (Principal | readonly Principal[])[]): readonly Principal[] {
	return [...new Set(who.flat())];
}

/** Where a principal is sent when it may not be somewhere; such a redirect is a refusal. */
export const homesOf: Record<Principal, readonly string[]> = {
	admin: ['/patients'],
	physicianOnTeam: ['/patients'],
	physicianOffTeam: ['/patients'],
	nurse: ['/patients'],
	frontDesk: ['/patients'],
	billing: ['/patients'],
	patientOwn: ['/portal'],
	patientOther: ['/portal'],
	proxyRecords: ['/portal'],
	proxyNoRecords: ['/portal'],
	external: ['/account', '/portal/shared'],
	anonymous: ['/sign-in']
};

/** Values for route parameters; a parameter missing here fails the test with its name. */
export const routeParams: Record<string, (ctx: PrincipalContext) => string> = {
	patientId: (ctx) => ctx.patientId,
	documentId: (ctx) => ctx.documentId,
	encounterId: (ctx) => ctx.encounterId,
	planId: (ctx) => ctx.planId,
	userId: (ctx) => ctx.userId,
	conversationId: (ctx) => ctx.conversationId,
	attachmentId: (ctx) => ctx.attachmentId,
	// Scheduling (issue 6): a well-formed id of no appointment / provider — the matrix's clinic has
	// no appointment of its own yet — so the guard decides, and past it every principal gets a 404.
	appointmentId: () => '00000000-0000-4000-8000-000000000000',
	practitionerId: () => '00000000-0000-4000-8000-000000000000',
	// Video consults (issue 7): the target patient's open consult; a recording that does not exist
	// (uploading to and playing one are decided on the recording, so past the guard: 404 for all).
	consultId: (ctx) => ctx.consultId,
	recordingId: () => '00000000-0000-4000-8000-000000000000',
	// Invitation and reset links: well-formed, never issued.
	link: () => '00000000-0000-4000-8000-000000000000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
	// Reminder links and calendar feeds: well-formed, never issued (a forged signature / unknown token).
	token: () => '00000000-0000-4000-8000-000000000000.confirm.4102444800.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
};

const patientQuery = (ctx: PrincipalContext) => `patient=${ctx.patientId}`;
const emptyPdf = () =>
	new File([new TextEncoder().encode('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')], 'matrix.pdf', { type: 'application/pdf' });
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

/**
 * Keys: "GET <route id>" for page loads and endpoints, "<METHOD> <route id>" for other endpoint
 * methods, "POST <route id> ?/<action>" for form actions ("default" for a default action).
 */
export const routeExpectations: Record<string, Expectation> = {
	// Signposts and public pages
	'GET /': { allow: nobody }, // only redirects: home, or sign-in
	'GET /healthz': { allow: everyone },
	// Setup is public until a clinic exists, then closed (the page sends everyone to sign-in).
	'GET /setup': { allow: nobody },
	'POST /setup ?/create': { allow: nobody },
	'POST /setup ?/demo': { allow: nobody },
	'GET /sign-in': { allow: ['anonymous'] }, // signed-in people go home
	'POST /sign-in ?/default': { allow: ['anonymous'] },
	// The second step of a sign-in exists only with a pending sign-in (none here).
	'GET /sign-in/verify': { allow: nobody },
	'POST /sign-in/verify ?/verify': { allow: nobody },
	'POST /sign-in/verify ?/email': { allow: nobody },
	'POST /sign-in/verify ?/cancel': { allow: everyone, landing: '/sign-in' },
	'GET /sign-out': { allow: nobody },
	'POST /sign-out ?/default': { allow: everyone, landing: '/sign-in', last: true },
	'GET /reset-password': { allow: ['anonymous'] }, // signed-in people change it on /account
	'POST /reset-password ?/default': { allow: ['anonymous'] },
	'GET /reset-password/[link]': { allow: everyone },
	'POST /reset-password/[link] ?/default': { allow: everyone },
	'GET /invite/[link]': { allow: everyone },
	'POST /invite/[link] ?/default': { allow: everyone },
	'GET /dev/mailbox': { allow: nobody }, // only under `npm run dev` or DEV_MAILBOX=1

	// One's own account and session
	'GET /account': { allow: signedIn },
	'POST /account ?/changePassword': { allow: signedIn },
	'POST /account ?/startTotp': { allow: signedIn },
	'POST /account ?/confirmTotp': { allow: signedIn },
	'POST /account ?/cancelTotp': { allow: signedIn },
	'POST /account ?/disableTotp': { allow: signedIn },
	'POST /account ?/regenerateCodes': { allow: signedIn },
	'POST /account ?/revokeSession': { allow: signedIn },
	'POST /account ?/signOutEverywhere': { allow: signedIn },
	'POST /api/session/keepalive': { allow: signedIn },
	'POST /api/session/logoff': { allow: signedIn }, // an empty body: 400, the session stays

	// Staff workspace
	'GET /(staff)/patients': { allow: staff },
	'GET /api/patients': { allow: staff },
	// Document history: whoever may open the document (the chart here) may read its history;
	// only those who may change it may restore. Seq 1 may or may not be the chart's: a version
	// that is not the document's is a 400 after the access check, an answer all the same.
	'GET /api/collab/history': { allow: allow('admin', 'physicianOnTeam', 'nurse'), query: (ctx) => `document=chart:${ctx.patientId}` },
	'GET /api/collab/version': { allow: allow('admin', 'physicianOnTeam', 'nurse'), query: (ctx) => `document=chart:${ctx.patientId}&seq=1` },
	'POST /api/collab/restore': { allow: allow('physicianOnTeam', 'nurse'), body: (ctx) => ({ document: `chart:${ctx.patientId}`, seq: '999999999' }) },
	'GET /(staff)/patients/[patientId]': { allow: staff }, // outside the care team: demographics only
	'POST /(staff)/patients/[patientId] ?/upload': {
		allow: allow('admin', 'physicianOnTeam', 'nurse'),
		body: () => {
			const form = new FormData();
			form.set('title', 'Access matrix upload');
			form.set('kind', 'other');
			form.set('file', emptyPdf());
			return form;
		}
	},
	'GET /(staff)/patients/[patientId]/documents/[documentId]': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'GET /(staff)/patients/[patientId]/break-glass': { allow: allow('physicianOffTeam') }, // the care team is sent on to the chart
	'POST /(staff)/patients/[patientId]/break-glass ?/open': {
		allow: allow('physicianOnTeam', 'physicianOffTeam', 'nurse'),
		body: () => ({ reason: 'Access matrix: emergency in the waiting room', confirm: 'on' }),
		last: true
	},
	'POST /(staff)/patients/[patientId]/break-glass ?/end': { allow: staff },
	// Clinical notes are clinical content: the care team (and admins), never the front desk or billing.
	'GET /(staff)/patients/[patientId]/notes': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'GET /(staff)/patients/[patientId]/notes/[encounterId]': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	// Treatment plans are clinical content; only the care team's clinicians start one.
	// One's own notifications, in the workspace or the portal.
	'GET /(staff)/notifications': { allow: staff },
	'POST /(staff)/notifications ?/markRead': { allow: staff },
	'GET /(portal)/portal/notifications': { allow: portalUsers },
	'POST /(portal)/portal/notifications ?/markRead': { allow: portalUsers },
	'GET /(staff)/patients/[patientId]/plans': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'POST /(staff)/patients/[patientId]/plans ?/create': {
		allow: allow('physicianOnTeam', 'nurse'),
		body: () => ({ title: 'Access matrix plan', startDate: new Date().toISOString().slice(0, 10) })
	},
	'GET /(staff)/patients/[patientId]/plans/[planId]': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	// The live chart (co-editing) shows the clinical record: the same people as the clinical part of the overview.
	'GET /(staff)/patients/[patientId]/chart': { allow: allow('admin', 'physicianOnTeam', 'nurse') },

	// Clinic administration
	'GET /(staff)/admin': { allow: admin },
	'GET /(staff)/admin/users': { allow: admin },
	'GET /(staff)/admin/users/invite': { allow: admin },
	'POST /(staff)/admin/users/invite ?/default': { allow: admin },
	'GET /(staff)/admin/users/[userId]': { allow: admin },
	'POST /(staff)/admin/users/[userId] ?/deactivate': { allow: admin },
	'POST /(staff)/admin/users/[userId] ?/reactivate': { allow: admin },
	'POST /(staff)/admin/users/[userId] ?/changeRole': { allow: admin },
	'POST /(staff)/admin/users/[userId] ?/unlock': { allow: admin },
	'GET /(staff)/admin/care-teams': { allow: admin },
	'GET /(staff)/admin/care-teams/[patientId]': { allow: admin },
	'POST /(staff)/admin/care-teams/[patientId] ?/add': { allow: admin },
	'POST /(staff)/admin/care-teams/[patientId] ?/remove': { allow: admin },
	'GET /(staff)/admin/settings': { allow: admin },
	'POST /(staff)/admin/settings ?/default': { allow: admin },
	'GET /(staff)/admin/audit': { allow: admin },
	'GET /(staff)/admin/audit/export.csv': { allow: admin },
	'GET /(staff)/admin/break-glass': { allow: admin },
	'GET /(staff)/admin/outbox': { allow: admin },

	// Patient portal
	'GET /(portal)/portal': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), query: patientQuery },
	// A plan is part of the clinical record: the patient and a proxy with the records scope follow it and record on it.
	'GET /(portal)/portal/plans': { allow: allow('patientOwn', 'proxyRecords'), query: patientQuery },
	'GET /(portal)/portal/plans/[planId]': { allow: allow('patientOwn', 'proxyRecords') },
	'POST /(portal)/portal/plans/[planId] ?/dose': { allow: allow('patientOwn', 'proxyRecords'), body: () => ({ scheduleItemId: 'none', scheduledFor: new Date().toISOString(), status: 'taken' }) },
	'POST /(portal)/portal/plans/[planId] ?/reading': {
		allow: allow('patientOwn', 'proxyRecords'),
		body: () => ({ goalId: 'none', value: '120', measuredDate: new Date().toISOString().slice(0, 10), measuredTime: '08:00' })
	},
	'GET /(portal)/portal/documents/[documentId]': { allow: allow('patientOwn', 'proxyRecords'), query: patientQuery },
	'GET /(portal)/portal/access-log': { allow: allow('patientOwn', 'proxyRecords'), query: patientQuery },
	'GET /(portal)/portal/sharing': { allow: allow('patientOwn', 'proxyRecords'), query: patientQuery },
	'POST /(portal)/portal/sharing ?/share': {
		allow: allow('patientOwn', 'proxyRecords'),
		body: (ctx) => ({
			patientId: ctx.patientId,
			parts: 'demographics',
			recipient: 'external',
			displayName: 'Matrix Recipient',
			email: `matrix.recipient.${ctx.unique}@example.org`,
			endDate: inAWeek()
		}),
		last: true
	},
	'POST /(portal)/portal/sharing ?/revoke': { allow: allow('patientOwn', 'proxyRecords'), body: (ctx) => ({ shareId: ctx.shareId }), last: true },

	// Portal appointments (issue 6): the patient, or a proxy whose grant carries the appointments
	// scope. The booking forms authorize the patient named in the form before checking the rest (an
	// empty slot is then a 400, so nothing is booked); a visit's pages with the matrix's unknown
	// appointment id find nothing (404) for everyone past the guard.
	'GET /(portal)/portal/appointments': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), query: patientQuery },
	'GET /(portal)/portal/appointments/book': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), query: patientQuery },
	'POST /(portal)/portal/appointments/book ?/review': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), body: (ctx) => ({ patientId: ctx.patientId }) },
	'POST /(portal)/portal/appointments/book ?/book': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), body: (ctx) => ({ patientId: ctx.patientId }) },
	'GET /(portal)/portal/appointments/preferences': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), query: patientQuery },
	'POST /(portal)/portal/appointments/preferences ?/default': { allow: allow('patientOwn', 'proxyRecords', 'proxyNoRecords'), body: (ctx) => ({ patientId: ctx.patientId }) },
	// Reminder links need no session: a forged one is a 400 for anyone, and changes nothing.
	'GET /appointment-links/[token]': { allow: everyone },
	'POST /appointment-links/[token] ?/default': { allow: everyone },
	// A provider's calendar feed is read by calendar apps with its secret token; an unknown one is a 404.
	'GET /api/schedule/feeds/[token]': { allow: nobody },
	// Issuing a feed: staff get past the guard (an empty body is a 400); who may issue for whom is
	// decided with the provider named (reminders/calendar-feed.int tests).
	'POST /api/schedule/feeds': { allow: staff },
	'GET /(portal)/portal/appointments/[appointmentId]/reschedule': { allow: nobody },
	'POST /(portal)/portal/appointments/[appointmentId]/reschedule ?/reschedule': { allow: nobody },
	'GET /(portal)/portal/appointments/[appointmentId]/cancel': { allow: nobody },
	'POST /(portal)/portal/appointments/[appointmentId]/cancel ?/cancel': { allow: nobody },

	// Secure messaging. The pages are shells (decryption happens in the browser); the chat server
	// decides membership when the browser opens a conversation over socket.io (see the socket lines).
	'GET /(staff)/messages': { allow: staff },
	'GET /(staff)/messages/[conversationId]': { allow: staff },
	'GET /(staff)/messages/search': { allow: staff },
	'GET /(staff)/account/secure-messaging': { allow: staff },
	'GET /(portal)/portal/messages': { allow: portalUsers },
	'GET /(portal)/portal/messages/[conversationId]': { allow: portalUsers },
	'GET /(portal)/portal/messages/settings': { allow: portalUsers },
	// Compliance key, retention period and the metadata audit: administrators only.
	'GET /(staff)/admin/messaging': { allow: admin },
	'POST /(staff)/admin/messaging ?/retention': { allow: admin, body: () => ({ keep: 'forever' }) },
	// View-only roles of a patient's threads. Saving no roles on the appointments thread changes
	// nobody's access; last, since it may create that thread.
	'GET /(staff)/admin/messaging/view-only': { allow: admin },
	'POST /(staff)/admin/messaging/view-only ?/save': { allow: admin, body: (ctx) => ({ patientId: ctx.patientId, kind: 'patient_appointments' }), last: true },
	// Encrypted attachments: uploaded by those who may post in the conversation, fetched by its members.
	'POST /api/chat/attachments': {
		allow: patientThreadMembers,
		query: (ctx) => `conversationId=${ctx.conversationId}`,
		raw: () => ({ contentType: 'application/octet-stream', bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) })
	},
	'GET /api/chat/attachments/[attachmentId]': { allow: patientThreadMembers },
	'PUT /api/chat/compliance-key': { allow: admin, body: (ctx) => ({ publicKey: ctx.compliancePublicKey }), last: true },
	'GET /api/chat/compliance-export': { allow: admin, query: (ctx) => `conversationId=${ctx.conversationId}` },

	// The staff calendar (issue 6): 'schedule.view' reads calendars, 'schedule.book' changes
	// appointments, 'schedule.manage' the scheduling admin. Roles are checked before the input; with
	// the unknown appointment / provider id of routeParams, what passes the guard then finds nothing:
	// a 404, also for a refused input, because the page shown with the form's error loads nothing.
	'GET /(staff)/schedule': { allow: calendarStaff },
	'GET /(staff)/schedule/[appointmentId]': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/confirm': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/checkIn': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/complete': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/noShow': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/clearFlag': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/cancel': { allow: nobody },
	'POST /(staff)/schedule/[appointmentId] ?/reschedule': { allow: nobody },
	'GET /(staff)/admin/scheduling': { allow: scheduleManagers },
	'POST /(staff)/admin/scheduling ?/saveType': { allow: scheduleManagers },
	'POST /(staff)/admin/scheduling ?/saveSettings': { allow: scheduleManagers },
	'GET /(staff)/admin/scheduling/providers/[practitionerId]': { allow: nobody },
	'POST /(staff)/admin/scheduling/providers/[practitionerId] ?/saveHours': { allow: nobody },
	'POST /(staff)/admin/scheduling/providers/[practitionerId] ?/addException': { allow: nobody },
	'POST /(staff)/admin/scheduling/providers/[practitionerId] ?/removeException': { allow: nobody },
	'POST /(staff)/admin/scheduling/providers/[practitionerId] ?/issueFeed': { allow: nobody },
	'GET /api/schedule/calendar': { allow: calendarStaff },
	'GET /api/schedule/slots': { allow: calendarStaff },
	'POST /api/schedule/book': { allow: calendarStaff },
	'POST /api/schedule/reschedule': { allow: calendarStaff },
	'POST /api/schedule/cancel': { allow: calendarStaff },
	'POST /api/schedule/status': { allow: calendarStaff },
	// Scheduling capacity and the request queue (issue 6): 'schedule.view' reads, 'schedule.book'
	// works the queue, 'schedule.manage' sets thresholds. The role is checked before the input,
	// so an empty post is a 400 for those allowed and a 403 for everyone else.
	'GET /(staff)/schedule/capacity': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/capacity ?/setLimit': { allow: allow('admin', 'frontDesk') },
	'POST /(staff)/schedule/capacity ?/clearLimit': { allow: allow('admin', 'frontDesk') },
	'GET /(staff)/schedule/requests': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/requests ?/create': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/requests ?/reorder': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/requests ?/earliest': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/requests ?/pick': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	'POST /(staff)/schedule/requests ?/cancel': { allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk') },
	// Scheduling analytics and the no-show model: administrators only ('schedule.analytics'). Slot
	// suggestions: staff who book (through the patient's record) and the patient or a proxy with the
	// appointments scope; an unknown appointment type is a 400 after the access check.
	'GET /(staff)/admin/scheduling/analytics': { allow: admin },
	'POST /(staff)/admin/scheduling/analytics ?/train': { allow: admin },
	'GET /api/schedule-recommendations': {
		allow: allow('admin', 'physicianOnTeam', 'physicianOffTeam', 'nurse', 'frontDesk', 'patientOwn', 'proxyRecords', 'proxyNoRecords'),
		query: (ctx) => `patientId=${ctx.patientId}&appointmentTypeId=00000000-0000-4000-8000-000000000000&urgency=routine`
	},

	// Outside people a record was shared with
	'GET /(portal)/portal/shared': { allow: allow('external') },
	// Video consults (issue 7). Starting a consult needs 'consult.host' and clinical access to the
	// patient, and so does the room. /consults itself shows nothing but an action's refusal, to
	// any staff. Opening a room for an appointment with a well-formed id of none: past the guard,
	// a 404 for everyone.
	'GET /(staff)/consults': { allow: staff },
	'POST /(staff)/consults ?/start': { allow: consultClinicians, body: (ctx) => ({ patientId: ctx.patientId }) },
	'POST /(staff)/consults ?/open': { allow: nobody, body: () => ({ appointmentId: '00000000-0000-4000-8000-000000000000' }) },
	'GET /(staff)/consults/[consultId]': { allow: consultClinicians },
	'GET /(staff)/admin/consults': { allow: admin },
	'POST /(staff)/admin/consults ?/default': { allow: admin, body: () => ({ waitingRoomCapacity: '10', callCapacity: '4', recordingEnabled: 'on', annotate_physician: 'on', annotate_nurse: 'on', annotate_patient: 'on', annotate_proxy: 'on' }) },
	'GET /(portal)/portal/consults': { allow: portalUsers },
	'GET /(portal)/portal/consults/[consultId]': { allow: consultPatientSide },
	'GET /(portal)/portal/appointments/[appointmentId]/join': { allow: nobody },
	'POST /(portal)/portal/appointments/[appointmentId]/join ?/default': { allow: nobody },
	'POST /api/consults/[consultId]/recordings/[recordingId]/chunks': { allow: nobody, query: () => 'seq=0', raw: () => ({ contentType: 'application/octet-stream', bytes: new Uint8Array([1, 2, 3]) }) },
	// No session: LiveKit's signature only (404 while LiveKit is not configured, as here).
	'POST /api/livekit/webhook': { allow: nobody },
	// Shared reports with their annotations, and visit history: the clinical record.
	'GET /(staff)/patients/[patientId]/reports/[documentId]': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'POST /(staff)/patients/[patientId]/reports/[documentId] ?/share': { allow: allow('physicianOnTeam', 'nurse') },
	'GET /(portal)/portal/reports/[documentId]': { allow: allow('patientOwn', 'proxyRecords'), query: patientQuery },
	'GET /(staff)/patients/[patientId]/visits': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'GET /(staff)/patients/[patientId]/visits/[encounterId]': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'POST /(staff)/patients/[patientId]/visits/[encounterId] ?/addendum': { allow: allow('physicianOnTeam', 'nurse'), body: () => ({ text: 'Access matrix addendum' }) },
	'GET /(staff)/patients/[patientId]/visits/[encounterId]/export': { allow: allow('admin', 'physicianOnTeam', 'nurse') },
	'GET /(staff)/patients/[patientId]/recordings/[recordingId]': { allow: nobody },
	'GET /(portal)/portal/shared/[patientId]': { allow: allow('external') },
	'GET /(portal)/portal/shared/[patientId]/documents/[documentId]': { allow: allow('external') }
};

export interface SocketExpectation {
	allow: readonly Principal[];
	/** The event's arguments before the acknowledgement callback. */
	args: (ctx: PrincipalContext) => unknown[];
}

/** Every socket.io client event (app/lib/realtime/events.ts clientEventNames). */
export const socketEventExpectations: Record<string, SocketExpectation> = {
	'presence:ping': { allow: signedIn, args: () => [] },
	// The same decision as opening the chart: any relationship that shows demographics.
	'chart:join': { allow: allow(staff, 'patientOwn', 'proxyRecords', 'proxyNoRecords', 'external'), args: (ctx) => [{ patientId: ctx.patientId }] },
	'chart:leave': { allow: signedIn, args: (ctx) => [{ patientId: ctx.patientId }] },

	// Secure messaging: keys and devices (server/chat-keys-handlers.ts). Run in this order for each
	// principal: claim its own device, share a session key in the target thread, send a message.
	'keys:status': { allow: signedIn, args: () => [{}] },
	'keys:device-id': { allow: signedIn, args: () => [{}] },
	// An empty set-up is refused to everyone; a real one is the key tests' (server/chat-keys.int.test.ts).
	'keys:setup': { allow: nobody, args: () => [{}] },
	// Nobody here has a backup or an identity key yet (their devices were stored directly).
	'keys:backup': { allow: nobody, args: () => [{}] },
	'keys:register-device': { allow: nobody, args: (ctx) => [{ device: ctx.chat.registration }] },
	'keys:claim-device': { allow: signedIn, args: (ctx) => [{ deviceId: ctx.chat.deviceId }] },
	'keys:share-room-key': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId, sessionId: ctx.chat.sessionId, shares: [] }] },
	// One more share of that session, to the principal's own device (a member's signed device).
	'keys:share-more': {
		allow: patientThreadMembers,
		args: (ctx) => [{ conversationId: ctx.conversationId, sessionId: ctx.chat.sessionId, shares: [{ deviceId: ctx.chat.deviceId, payload: ctx.chat.envelope.signature }] }]
	},
	// A correctly signed message in the session just shared: only the thread's members get it in.
	'chat:send': { allow: patientThreadMembers, args: (ctx) => [{ envelope: ctx.chat.envelope }] },
	'keys:conversation-keys': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId }] },
	// The target is a staff account nobody here shares a conversation with.
	'keys:user-keys': { allow: nobody, args: (ctx) => [{ userId: ctx.userId }] },
	'keys:verify-user': { allow: nobody, args: (ctx) => [{ userId: ctx.userId, identityKey: ctx.chat.registration.signingKey }] },
	'keys:approve-device': { allow: nobody, args: (ctx) => [{ deviceId: ctx.chat.registration.deviceId, signature: ctx.chat.envelope.signature, secretShare: ctx.chat.envelope.ciphertext }] },
	'keys:revoke-device': { allow: nobody, args: (ctx) => [{ deviceId: ctx.chat.registration.deviceId }] },
	'keys:inbox': { allow: signedIn, args: () => [{ afterId: 0 }] },
	// Live staff calendars (server/schedule-handlers.ts): 'schedule.view' follows any calendar;
	// leaving one is always answered.
	'calendar:watch': { allow: calendarStaff, args: () => [{ scope: 'clinic' }] },
	'calendar:unwatch': { allow: signedIn, args: () => [{ scope: 'clinic' }] },
	'keys:inbox-ack': { allow: signedIn, args: () => [{ upToId: 0 }] },
	// A member keeps a (sealed) copy of a room key of the thread in their backup.
	'keys:backup-room-key': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId, sessionId: ctx.chat.sessionId, sealed: ctx.chat.envelope.ciphertext }] },
	'keys:backup-room-keys': { allow: signedIn, args: () => [{}] },
	'keys:compliance-key': { allow: signedIn, args: () => [{}] },

	// Conversations, messages, receipts (server/chat-handlers.ts).
	'chat:conversations': { allow: signedIn, args: () => [{}] },
	// Everyone may search; only staff find anyone (the directory is empty for the others).
	'chat:contacts': { allow: signedIn, args: () => [{ query: '' }] },
	'chat:create': { allow: patientThreadMembers, args: (ctx) => [{ kind: 'patient_care', patientId: ctx.patientId }] },
	// Patient threads follow the access rules; nobody adds or removes members by hand.
	'chat:add-members': { allow: nobody, args: (ctx) => [{ conversationId: ctx.conversationId, userIds: [ctx.userId] }] },
	'chat:remove-member': { allow: nobody, args: (ctx) => [{ conversationId: ctx.conversationId, userId: ctx.userId }] },
	'chat:history': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId }] },
	'chat:receipt': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId, readSeq: 1 }] },
	// Another person's message (the thread's first) cannot be deleted for everyone.
	'chat:retract': { allow: nobody, args: (ctx) => [{ messageId: ctx.messageId }] },
	'chat:mute': { allow: patientThreadMembers, args: (ctx) => [{ conversationId: ctx.conversationId, muted: false }] },
	'chat:settings': { allow: signedIn, args: () => [{}] },

	// Video consults (server/consult-handlers.ts), in this order for each principal, all at once
	// on one consult: clinicians of the patient go straight into the call, the patient side waits.
	// Nothing in the call is reachable while waiting; acting on a person who is not there (or
	// ending a consult that does not exist) is refused to everyone.
	'consult:enter': { allow: allow(consultClinicians, consultPatientSide), args: (ctx) => [{ consultId: ctx.consultId, publicKey: consultPublicKey }] },
	'consult:media': { allow: consultClinicians, args: (ctx) => [{ consultId: ctx.consultId }] },
	'consult:chat': { allow: consultClinicians, args: (ctx) => [{ consultId: ctx.consultId, nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ciphertext: 'AAAA' }] },
	'consult:view': { allow: consultClinicians, args: (ctx) => [{ consultId: ctx.consultId, documentId: null, page: 1 }] },
	'consult:recording-consent': { allow: consultClinicians, args: (ctx) => [{ consultId: ctx.consultId, granted: false }] },
	// Nobody has consented (above): refused even to the host.
	'consult:recording': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, action: 'start' }] },
	'consult:admit': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, participantId: noParticipant }] },
	'consult:decline': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, participantId: noParticipant, message: 'Please call the clinic.' }] },
	'consult:message-waiting': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, participantId: noParticipant, text: 'Five minutes.' }] },
	'consult:signal': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, to: noParticipant, signal: { type: 'restart' } }] },
	'consult:key': { allow: nobody, args: (ctx) => [{ consultId: ctx.consultId, to: noParticipant, sealed: 'AAAA' }] },
	'consult:end': { allow: nobody, args: () => [{ consultId: noParticipant }] },
	'consult:leave': { allow: allow(consultClinicians, consultPatientSide), args: (ctx) => [{ consultId: ctx.consultId }] },
	'chat:save-settings': {
		allow: signedIn,
		args: () => [{ settings: { kinds: { direct: true, group: true, care_team: true, patient_care: true, patient_appointments: true }, browser: false } }]
	}
};

export interface CollabDocumentExpectation {
	allow: readonly Principal[];
	/** Of those allowed, who gets a read-only connection. */
	readOnly?: readonly Principal[];
	name: (ctx: PrincipalContext) => string;
}

/**
 * Every kind of collaborative document (app/lib/collab/document-names.ts), as decided by
 * app/lib/server/access/document-access.ts: clinicians with a relationship edit; the clinic
 * administrator reads; the patient and a proxy with a records grant follow their plan
 * read-only and annotate their reports; everyone else is refused.
 */
export const collabDocumentExpectations: Record<string, CollabDocumentExpectation> = {
	chart: { allow: ['admin', 'physicianOnTeam', 'nurse'], readOnly: ['admin'], name: (ctx) => `chart:${ctx.patientId}` },
	note: { allow: ['admin', 'physicianOnTeam', 'nurse'], readOnly: ['admin'], name: (ctx) => `note:${ctx.encounterId}` },
	plan: {
		allow: ['admin', 'physicianOnTeam', 'nurse', 'patientOwn', 'proxyRecords'],
		readOnly: ['admin', 'patientOwn', 'proxyRecords'],
		name: (ctx) => `plan:${ctx.planId}`
	},
	annotations: {
		allow: ['admin', 'physicianOnTeam', 'nurse', 'patientOwn', 'proxyRecords'],
		readOnly: ['admin'],
		name: (ctx) => `annotations:${ctx.documentId}`
	}
};
