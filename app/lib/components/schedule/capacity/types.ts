/** What the capacity dashboard receives from its load (plain data; see scheduling/utilization.ts). */
export type CapacityState = 'ok' | 'near' | 'over';

export interface ScopeUtilizationData {
	scope: 'clinic' | 'location' | 'practitioner';
	scopeKey: string;
	targetId: string | null;
	name: string;
	booked: { appointments: number; minutes: number };
	limit: { maxAppointments: number | null; maxBookedMinutes: number | null; warnAtPercent: number; source: 'day' | 'standing' } | null;
	percent: number | null;
	state: CapacityState;
}

export interface CapacityLimitData {
	id: string;
	scope: 'clinic' | 'location' | 'practitioner';
	scopeKey: string;
	targetId: string | null;
	day: string | null;
	maxAppointments: number | null;
	maxBookedMinutes: number | null;
	warnAtPercent: number;
}

export const stateLabels: Record<CapacityState, string> = { ok: 'Within limit', near: 'Nearly full', over: 'Full' };
