import type { Role } from '../schema/index';
import { demoStaff } from './demo-staff';
import { namedPatients } from './named-patients';

export { demoPassword } from './demo-staff';

/** One line per demo account, for the README, `npm run demo` and the sign-in tests. */
export interface DemoAccount {
	email: string;
	role: Role;
	displayName: string;
	description: string;
}

export const demoAccounts: readonly DemoAccount[] = [
	...demoStaff.map(({ email, role, displayName, description }) => ({ email, role, displayName, description })),
	...namedPatients.map(({ account }) => ({
		email: account.email,
		role: account.role,
		displayName: `${account.givenName} ${account.familyName}`,
		description: account.description
	}))
];
