/** Collection names in one place; firestore.rules names the same ones. */
export const COLLECTIONS = {
  accounts: 'accounts',
  entries: 'entries',
  generations: 'generations',
  controls: 'controls',
  controlsAudit: 'controlsAudit',
  sessions: 'sessions',
  loginAttempts: 'loginAttempts',
  adminAudit: 'adminAudit',
  budgetAlerts: 'budgetAlerts',
  platformSpend: 'platformSpend',
  stripeEvents: 'stripeEvents',
  autopostRules: 'autopostRules',
} as const;

export const GLOBAL_CONTROLS_DOC = 'global';
