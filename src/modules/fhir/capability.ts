// The CapabilityStatement at /fhir/R4/metadata: what this server serves, built from the same table
// the search code checks parameters against, so the two cannot drift apart.
import type { CapabilityStatement, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import { PUBLIC_TYPES, RESOURCE_TYPES, SEARCH_PARAMS } from './service.js';

const PARAM_TYPE: Record<string, CapabilityStatementRestResourceSearchParam['type']> = {
  _id: 'token',
  name: 'string',
  practitioner: 'reference',
  actor: 'reference',
  schedule: 'reference',
  patient: 'reference',
  start: 'date',
  date: 'date',
  status: 'token',
};

export function capabilityStatement(base: string, date: Date): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: date.toISOString(),
    publisher: 'Prescripto',
    kind: 'instance',
    software: { name: 'Prescripto' },
    implementation: { description: 'Prescripto FHIR R4 endpoint (read and search; Appointment create books a free Slot; SMART Scheduling Links at $bulk-publish)', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          description:
            'Authorization: Bearer <token> from the API’s login. Practitioner, PractitionerRole, Location, Schedule and Slot are public; ' +
            'a patient reads only their own Patient and Appointments, a doctor their own patients and appointments, the admin everything.',
        },
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' as const }, { code: 'search-type' as const }, ...(type === 'Appointment' ? [{ code: 'create' as const }] : [])],
          ...(PUBLIC_TYPES.includes(type) ? { documentation: 'Public: no token needed.' } : {}),
          searchParam: [...SEARCH_PARAMS[type], '_count', '_page'].map((name) => ({ name, type: name.startsWith('_') && name !== '_id' ? ('number' as const) : (PARAM_TYPE[name] ?? 'string') })),
        })),
      },
    ],
  };
}
