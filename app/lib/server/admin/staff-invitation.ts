import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { practitioners } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { clinicalRoles, staffRoles } from '../access/actor';
import { inviteUser } from '../auth/invitations';
import { fields } from '../http/validation';
import { requireClinicManager } from './guard';

/**
 * Inviting a member of staff: the account (through the invitation module, which emails the
 * link via the outbox) and, for a physician or nurse, the practitioner identity the access
 * module uses for care teams — in one transaction, so a refused invitation leaves no
 * practitioner behind.
 */

const namePart = (what: string) =>
	z
		.string({ error: `Enter the ${what}.` })
		.trim()
		.min(1, `Enter the ${what}.`)
		.max(60, 'Use at most 60 characters.');

export const staffInvitationSchema = z.object({
	givenName: namePart('given name'),
	familyName: namePart('family name'),
	email: fields.email,
	role: z.enum(staffRoles, { error: 'Choose a role.' }),
	credentials: z.string().trim().max(20, 'Use at most 20 characters, like MD or RN.').default(''),
	specialty: z.string().trim().max(80, 'Use at most 80 characters.').default('')
});
export type StaffInvitation = z.infer<typeof staffInvitationSchema>;

export function staffDisplayName(input: Pick<StaffInvitation, 'givenName' | 'familyName' | 'role'>): string {
	const name = `${input.givenName} ${input.familyName}`;
	return input.role === 'physician' ? `Dr. ${name}` : name;
}

export async function inviteStaffMember(
	db: Database,
	actor: Actor,
	input: StaffInvitation,
	links: { origin: string }
): Promise<{ userId: string; practitionerId: string | null }> {
	await requireClinicManager(db, actor, 'user.invite');
	const displayName = staffDisplayName(input);
	const clinical = (clinicalRoles as readonly string[]).includes(input.role);
	if (!clinical) {
		const { userId } = await inviteUser(db, actor, { email: input.email, displayName, role: input.role, practitionerId: null }, links);
		return { userId, practitionerId: null };
	}
	// inviteUser opens its own transaction; inside this one it becomes a savepoint.
	return db.transaction(async (transaction) => {
		const tx = transaction as unknown as Database;
		const [practitioner] = await tx
			.insert(practitioners)
			.values({
				kind: input.role as (typeof clinicalRoles)[number],
				givenName: input.givenName,
				familyName: input.familyName,
				credentials: input.credentials,
				specialty: input.specialty
			})
			.returning({ id: practitioners.id });
		const { userId } = await inviteUser(tx, actor, { email: input.email, displayName, role: input.role, practitionerId: practitioner!.id }, links);
		return { userId, practitionerId: practitioner!.id };
	});
}
