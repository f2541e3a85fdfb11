// The web app's API types are generated from the server's OpenAPI document; this fails when the
// committed web/src/api/schema.d.ts no longer matches (run `npm run gen:api`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { API_TYPES_FILE, apiTypes } from '../../scripts/api-types.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

describe('generated API types', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t?.close());

  it(`${API_TYPES_FILE} is up to date with the OpenAPI document`, async () => {
    const expected = await apiTypes(t.app.swagger());
    assert.ok(expected.includes('"/api/doctor/list"'));
    assert.equal(readFileSync(API_TYPES_FILE, 'utf8'), expected, 'out of date: run `npm run gen:api` and commit web/src/api/schema.d.ts');
  });
});
