import { error, fail } from '@sveltejs/kit';
import { AccessDenied, NotFound } from '$lib/server/access/errors';
import { clientAddress } from '$lib/server/http/request-context';
import { getRuntime } from '$lib/server/platform/runtime';
import { LinkRefusal } from '$lib/server/reminders/action-links';
import { linkPageText } from '$lib/server/reminders/link-page-text';
import { inspectLink, rescheduleChoices, useLink } from '$lib/server/reminders/link-responses';
import { reminderContext } from '$lib/server/reminders/reminder-context';
import { formatWhen } from '$lib/server/reminders/reminder-templates';
import { SchedulingRefusal } from '$lib/server/scheduling/errors';
import type { Actions, PageServerLoad } from './$types';

/**
 * The page a reminder's signed link opens: no sign-in, the link is the key. Opening it shows the
 * visit and changes nothing (mail scanners open links); only the button (a POST) acts.
 */
function linkKey(): Uint8Array {
	const context = reminderContext();
	if (!context) error(503, 'Reminder links cannot be checked right now. Please try again in a minute.');
	return context.linkKey;
}

function refusalPage(refusal: LinkRefusal): never {
	error(refusal.status, refusal.message);
}

export const load: PageServerLoad = async (event) => {
	const db = getRuntime().database.db;
	let visit;
	try {
		// After a POST (the form without JavaScript) the page shows the action's outcome, even though
		// that action has just spent the link; a plain visit of a spent link is refused (410).
		visit = await inspectLink(db, linkKey(), event.params.token, { sourceAddress: clientAddress(event) }, new Date(), { allowUsed: event.request.method === 'POST' });
	} catch (cause) {
		if (cause instanceof LinkRefusal) refusalPage(cause);
		throw cause;
	}
	const open = visit.status === 'booked' || visit.status === 'confirmed';
	const slots =
		open && visit.action === 'reschedule'
			? (await rescheduleChoices(db, visit).catch(() => [])).map((s) => ({
					value: `${s.startsAt}|${s.practitionerId}|${s.locationId}`,
					label: formatWhen(new Date(s.startsAt), visit.language, s.timeZone),
					provider: s.practitionerName,
					location: s.modality === 'telehealth' ? null : s.locationName
				}))
			: [];
	// Search engines and scanners: not for an index, and no referrer with the token leaves the page.
	event.setHeaders({ 'x-robots-tag': 'noindex', 'referrer-policy': 'no-referrer', 'cache-control': 'private, no-store' });
	return { visit, open, slots, text: linkPageText[visit.language] };
};

const slotPattern = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})\|([0-9a-f-]{36})$/;

export const actions: Actions = {
	default: async (event) => {
		const db = getRuntime().database.db;
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch {
			return fail(400, { error: 'The form could not be read. Reload the page and try again.' });
		}
		const slot = form.get('slot');
		const input: { startsAt?: string; practitionerId?: string; locationId?: string } = {};
		if (typeof slot === 'string' && slot) {
			const match = slotPattern.exec(slot);
			if (!match) return fail(400, { error: 'Choose one of the times.' });
			input.startsAt = match[1];
			input.practitionerId = match[2];
			input.locationId = match[3];
		}
		try {
			// The action needs the slot only for a reschedule; useLink checks the link first.
			const peek = /^[^.]+\.reschedule\./.test(event.params.token);
			if (peek && !input.startsAt) return fail(400, { error: 'Choose one of the times.' });
			const visit = await useLink(db, linkKey(), event.params.token, input, { sourceAddress: clientAddress(event) });
			return { done: true, when: visit.when, action: visit.action };
		} catch (cause) {
			if (cause instanceof LinkRefusal) return fail(cause.status, { error: cause.message, dead: true });
			if (cause instanceof SchedulingRefusal) return fail(cause.status, { error: cause.message });
			if (cause instanceof AccessDenied) return fail(403, { error: cause.message, dead: true });
			if (cause instanceof NotFound) return fail(404, { error: cause.message, dead: true });
			throw cause;
		}
	}
};
