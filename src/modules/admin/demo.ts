// Demo data so a new user sees a working system at once: doctors across the spec's specialities,
// each with a generated portrait. Runs on an empty database only (or via `npm run seed`).
import type { AppContext } from '../../context.js';

const SPECIALITIES = [
  'General physician',
  'Gynecologist',
  'Dermatologist',
  'Pediatricians',
  'Neurologist',
  'Gastroenterologist',
  'Cardiologist',
];

const NAMES = [
  'Richard James', 'Emily Larson', 'Sarah Patel', 'Christopher Lee', 'Jennifer Garcia', 'Andrew Williams',
  'Christopher Davis', 'Timothy White', 'Ava Mitchell', 'Jeffrey King', 'Zoe Kelly', 'Patrick Harris',
  'Chloe Evans', 'Ryan Martinez', 'Amelia Hill',
];

const COLOURS = ['#5f6fff', '#22c55e', '#f59e0b', '#ef4444', '#06b6d4', '#a855f7', '#ec4899'];

async function portrait(initials: string, colour: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="${colour}"/><text x="128" y="150" font-size="96" text-anchor="middle" fill="#fff" font-family="sans-serif">${initials}</text></svg>`;
  const sharp = (await import('sharp')).default; // only on an empty database: not a cost of every start
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export const DEMO_DOCTOR_PASSWORD = 'doctor-demo-1234';

export async function seedDemoDoctors(ctx: AppContext, count = NAMES.length): Promise<number> {
  let created = 0;
  for (let i = 0; i < count; i++) {
    const name = NAMES[i % NAMES.length] + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : '');
    const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@demo.prescripto.local`;
    if (await ctx.doctors.exists(email)) continue;
    const initials = name.split(' ').map((w) => w[0]).join('').slice(0, 2);
    await ctx.doctors.create({
      name: `Dr. ${name}`,
      email,
      password: DEMO_DOCTOR_PASSWORD,
      passwordTemporary: false, // demo accounts log in with the published password
      speciality: SPECIALITIES[i % SPECIALITIES.length],
      degree: 'MBBS',
      experience: `${(i % 10) + 1} Years`,
      about: `Dr. ${name} is committed to delivering comprehensive medical care, focusing on preventive medicine, early diagnosis, and effective treatment strategies.`,
      fees: 30 + (i % 8) * 10,
      address: { line1: `${17 + i}th Cross, Richmond`, line2: 'Circle, Ring Road, London' },
      image: { buffer: await portrait(initials, COLOURS[i % COLOURS.length]), filename: 'portrait.png', mimetype: 'image/png' },
    });
    created++;
  }
  return created;
}
