/** Plain data the request queue's components receive (see scheduling/scheduling-requests.ts). */
export type Urgency = 'routine' | 'soon' | 'urgent';

export interface RequestData {
	id: string;
	patientId: string;
	patientName: string;
	mrn: string;
	urgency: Urgency;
	rank: number;
	appointmentTypeId: string;
	typeName: string;
	modality: 'in_person' | 'telehealth';
	durationMinutes: number;
	practitionerId: string | null;
	practitionerName: string | null;
	locationId: string | null;
	locationName: string | null;
	reason: string;
	notes: string;
	neededBy: string | null;
	status: 'waiting' | 'scheduled' | 'cancelled';
	appointmentId: string | null;
	appointmentStartsAt: string | null;
	requestedByName: string | null;
	createdAt: string;
}

export interface SlotData {
	practitionerId: string;
	practitionerName: string;
	locationId: string;
	locationName: string;
	startsAt: string;
	endsAt: string;
	timeZone: string;
	modality: 'in_person' | 'telehealth';
	appointmentTypeId: string;
}

export const urgencies: Urgency[] = ['urgent', 'soon', 'routine'];
export const urgencyLabels: Record<Urgency, string> = { urgent: 'Urgent', soon: 'Soon', routine: 'Routine' };
export const statusLabels: Record<RequestData['status'], string> = { waiting: 'Waiting', scheduled: 'Booked', cancelled: 'Cancelled' };

/** "Tue, Mar 3, 9:30 AM EST" in the slot's own zone. */
export function formatInZone(iso: string, timeZone: string): string {
	return new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

export function formatDay(day: string): string {
	return new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/**
 * The neighbours a request gets when moved to `index` within its urgency group (as shown):
 * what the server needs to place it.
 */
export function neighboursAfterMove(group: readonly string[], id: string, index: number): { order: string[]; previousId: string | null; nextId: string | null } {
	const order = group.filter((other) => other !== id);
	const at = Math.max(0, Math.min(index, order.length));
	order.splice(at, 0, id);
	return { order, previousId: order[at - 1] ?? null, nextId: order[at + 1] ?? null };
}
