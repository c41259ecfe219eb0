import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCreateBudgetRequest, parseCreateBudgetArgs, toMoney } from '../../scripts/create-budget';
import { billingMonthStart, buildBudgetNotification, findLocalPubsub, parseSimulateArgs } from '../../scripts/budget-simulate';

describe('budget:create request', () => {
  it('builds the Budget API v1 createBudget call with 50%/90% thresholds and the alerts topic', () => {
    const request = buildCreateBudgetRequest(
      parseCreateBudgetArgs(['--billing-account', '01d4ee-079462-dfd6ec', '--project', 'reelguard-prod', '--amount', '1500.25', '--filter-project-number', '123456789012']),
    );
    expect(request).toEqual({
      method: 'POST',
      url: 'https://billingbudgets.googleapis.com/v1/billingAccounts/01D4EE-079462-DFD6EC/budgets',
      headers: { 'content-type': 'application/json', 'x-goog-user-project': 'reelguard-prod' },
      body: {
        displayName: 'reelguard reelguard-prod Veo spend',
        budgetFilter: { projects: ['projects/123456789012'], calendarPeriod: 'MONTH', creditTypesTreatment: 'INCLUDE_ALL_CREDITS' },
        amount: { specifiedAmount: { currencyCode: 'USD', units: '1500', nanos: 250_000_000 } },
        thresholdRules: [
          { thresholdPercent: 0.5, spendBasis: 'CURRENT_SPEND' },
          { thresholdPercent: 0.9, spendBasis: 'CURRENT_SPEND' },
        ],
        notificationsRule: { pubsubTopic: 'projects/reelguard-prod/topics/billing-budget-alerts', schemaVersion: '1.0' },
      },
    });
  });

  it('covers the whole billing account without a project filter, and parses --dry-run', () => {
    const options = parseCreateBudgetArgs(['--billing-account', '01D4EE-079462-DFD6EC', '--project', 'reelguard-prod', '--amount', '10', '--dry-run']);
    expect(options.dryRun).toBe(true);
    expect(buildCreateBudgetRequest(options).body.budgetFilter).toEqual({ calendarPeriod: 'MONTH', creditTypesTreatment: 'INCLUDE_ALL_CREDITS' });
  });

  it('converts amounts exactly and refuses bad input with the flag named', () => {
    expect(toMoney('0.1', 'EUR')).toEqual({ currencyCode: 'EUR', units: '0', nanos: 100_000_000 });
    expect(() => toMoney('0', 'USD')).toThrow(/above zero/);
    expect(() => toMoney('-5', 'USD')).toThrow(/--amount/);
    expect(() => parseCreateBudgetArgs(['--project', 'p', '--amount', '1'])).toThrow(/--billing-account/);
    expect(() => parseCreateBudgetArgs(['--billing-account', 'x', '--project', 'reelguard-prod', '--amount', '1', '--what', '1'])).toThrow(/unknown/);
    expect(() => buildCreateBudgetRequest(parseCreateBudgetArgs(['--billing-account', 'nope', '--project', 'reelguard-prod', '--amount', '1']))).toThrow(/billing-account/);
  });
});

describe('budget:simulate', () => {
  it('starts billing months at midnight US Pacific, in UTC', () => {
    expect(billingMonthStart(Date.parse('2026-12-14T12:00:00Z'))).toBe('2026-12-01T08:00:00Z');
    expect(billingMonthStart(Date.parse('2026-07-03T12:00:00Z'))).toBe('2026-07-01T07:00:00Z');
  });

  it('reports the highest threshold rule crossed, and none below the first', () => {
    expect(buildBudgetNotification({ ratio: 0.95, costIntervalStart: 'x' }).data).toMatchObject({ costAmount: 950, alertThresholdExceeded: 0.9 });
    expect(buildBudgetNotification({ ratio: 0.5, costIntervalStart: 'x' }).data).toMatchObject({ costAmount: 500, alertThresholdExceeded: 0.5 });
    expect(buildBudgetNotification({ ratio: 0.3, costIntervalStart: 'x' }).data).not.toHaveProperty('alertThresholdExceeded');
  });

  it('parses its arguments', () => {
    expect(parseSimulateArgs(['0.9'])).toMatchObject({ ratio: 0.9, budgetId: null, interval: null, times: 1 });
    expect(parseSimulateArgs(['0.5', '--budget-id', 'b-123'])).toMatchObject({ budgetId: 'b-123' });
    expect(parseSimulateArgs(['0.1', '--interval', '2027-01-01T08:00:00Z', '--times', '5'])).toMatchObject({ ratio: 0.1, interval: '2027-01-01T08:00:00Z', times: 5 });
    expect(() => parseSimulateArgs([])).toThrow(/usage/);
    expect(() => parseSimulateArgs(['0.9', '--interval', 'soon'])).toThrow(/interval/);
  });

  it('finds the local stack from .reelguard/stack.json first, then the emulator environment, and never a real project', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reelguard-stack-'));
    try {
      expect(() => findLocalPubsub({ GOOGLE_CLOUD_PROJECT: 'real-project' }, dir)).toThrow(/no local stack/);
      expect(findLocalPubsub({ PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', GOOGLE_CLOUD_PROJECT: 'demo' }, dir)).toMatchObject({ projectId: 'demo', pubsubHost: '127.0.0.1:8085' });
      fs.mkdirSync(path.join(dir, '.reelguard'));
      fs.writeFileSync(path.join(dir, '.reelguard', 'stack.json'), JSON.stringify({ projectId: 'reelguard-local', pubsubHost: '127.0.0.1:9999', budgetId: 'local-budget', urls: { api: 'http://127.0.0.1:3000' } }));
      expect(findLocalPubsub({ PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', GOOGLE_CLOUD_PROJECT: 'demo' }, dir)).toMatchObject({ projectId: 'reelguard-local', pubsubHost: '127.0.0.1:9999', budgetId: 'local-budget' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
