import { saveBlob } from '../api/client';

/** Saves data the app already holds as a JSON file. */
export function downloadJson(data: unknown, filename: string): void {
  saveBlob(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }), filename);
}
