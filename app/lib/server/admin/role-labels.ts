import { roles, type Role } from '../../../../db/schema/index';
import { staffRoles } from '../access/actor';

/** Role names as the admin pages show them; loads pass these to the pages. */
export const roleLabels: Record<Role, string> = {
	clinic_admin: 'Clinic administrator',
	physician: 'Physician',
	nurse: 'Nurse',
	front_desk: 'Front desk',
	billing: 'Billing',
	patient: 'Patient',
	proxy: 'Proxy (parent or caregiver)',
	external: 'Outside person (shared record)'
};

export const roleOptions = roles.map((value) => ({ value, label: roleLabels[value] }));
export const staffRoleOptions = staffRoles.map((value) => ({ value, label: roleLabels[value] }));
