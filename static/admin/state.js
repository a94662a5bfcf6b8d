/* What every page of the moderator UI shares: who is signed in, their CSRF token and the staff list. */

export const session = {
  /** {id, email, role} once signed in. */
  user: null,
  /** The session's X-CSRF-Token, sent with every state-changing request. */
  csrf: null,
  /** Active accounts ({id, email, role}), for the assignee pickers. */
  staff: []
};

export function isAdmin() {
  return !!session.user && session.user.role === 'admin';
}

/** The e-mail of staff member `id` ('#id' when unknown, '' for none). */
export function staffEmail(id) {
  if (id === null || id === undefined) return '';
  if (session.user && id === session.user.id) return session.user.email;
  const s = session.staff.find((u) => u.id === id);
  return s ? s.email : '#' + id;
}
