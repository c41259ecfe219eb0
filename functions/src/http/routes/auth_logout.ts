import { revokeSession } from '../../adapters/firestore/sessions';
import { parseCookies } from '../cookies';
import { defineRoute } from '../route';

export const authLogout = defineRoute({
  method: 'POST',
  path: '/auth/logout',
  access: 'public',
  summary: 'Revoke the session server-side and clear the cookie (needs an allowed Origin).',
  response: { status: 204, description: 'signed out' },
  async handler({ req, deps, nowMs, log, principal }) {
    const sid = parseCookies(req.get('cookie')).get(deps.cookies.sessionName);
    if (sid) await revokeSession(deps.db, sid, nowMs);
    if (principal) log.notice('signed out', { accountId: principal.accountId });
    return { status: 204, headers: { 'Set-Cookie': deps.cookies.clearSession() } };
  },
});
