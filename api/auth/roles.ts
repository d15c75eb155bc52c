/** Who may do what. Admins may do everything; every other role is listed per route. */
export const ROLES = ['admin', 'reviewer', 'uploader', 'dispatch'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A route is either open to anyone or needs a key with one of these roles (admin always passes). */
export type RouteAuth = 'public' | readonly Role[];

export function allows(auth: readonly Role[], role: Role): boolean {
  return role === 'admin' || auth.includes(role);
}

export const CASE_READERS: readonly Role[] = ['reviewer', 'dispatch'];
export const CASE_DECIDERS: readonly Role[] = ['reviewer'];
export const SOURCE_EDITORS: readonly Role[] = ['uploader'];
export const ADMIN_ONLY: readonly Role[] = [];
