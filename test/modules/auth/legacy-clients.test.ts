// Contract test of LEGACY_CLIENTS=true: every call the original Prescripto React apps make (the
// patient app and the admin/doctor panel: 26 calls), with their headers (`token`, `aToken`,
// `dToken`) and body shapes, asserting what their code reads (test/helpers/legacy-apps.ts). The
// patient app's slot grid against slots_booked is test/modules/scheduling/legacy-grid.test.ts. Without the setting
// nothing changes. The clock is fixed on Tuesday 2026-12-01 10:45 in Asia/Kolkata.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/clock.js';
import { DomainEvents } from '../../../src/lib/events.js';
import { DoctorListCache } from '../../../src/modules/doctors/list-cache.js';
import { ADMIN_EMAIL, get, json, makeTestApp, pngBytes, post, uniqueEmail, type TestApp } from '../../helpers/app.js';
import { addDoctorForm, adminLogin, assertAppDate, assertAppError, NOW, type Json } from '../../helpers/legacy-apps.js';
import { GatewayStub, gatewayEnv, razorpayCheckoutSignature } from '../payments/stub.js';

describe('LEGACY_CLIENTS=true: the original Prescripto apps, call by call', () => {
  let t: TestApp;
  let clock: ManualClock;
  const stub = new GatewayStub();
  let aToken: string;
  let dToken: string;
  let docId: string;
  const doctor = { name: 'Dr. Legacy', email: uniqueEmail('legacy.doctor'), password: 'doctor-pass-123', fees: '500' };
  const patient = { name: 'Legacy Patient', email: uniqueEmail('legacy.patient'), password: 'patient-pass-123' };
  let token: string;
  let other: string;

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({ LEGACY_CLIENTS: 'true', ...gatewayEnv(await stub.start()) }, { clock });
  });
  after(async () => {
    await t.close();
    await stub.stop();
  });

  it('admin panel: login, add-doctor (fees as text), all-doctors, change-availability', async () => {
    aToken = await adminLogin(t);
    assertAppError(await post(t.app, '/api/admin/login', { email: ADMIN_EMAIL, password: 'wrong-password-1' }), 'Invalid credentials');

    const added = await post(t.app, '/api/admin/add-doctor', await addDoctorForm(doctor), { aToken });
    assert.equal(json(added).success, true, added.body);
    assert.equal(typeof json(added).message, 'string');
    assertAppError(await post(t.app, '/api/admin/add-doctor', await addDoctorForm(doctor), { aToken }), 'A doctor with this email already exists');

    const all = await get(t.app, '/api/admin/all-doctors', { aToken });
    assert.equal(json(all).success, true);
    const mine = (json(all).doctors as Json[]).find((d) => d.email === doctor.email);
    assert.ok(mine, 'the new doctor is listed');
    docId = mine._id;
    assert.equal(mine.fees, 500);

    for (const expected of [false, true]) {
      const res = await post(t.app, '/api/admin/change-availability', { docId }, { aToken });
      assert.equal(json(res).success, true, res.body);
      assert.equal(typeof json(res).message, 'string');
      const listed = (json(await get(t.app, '/api/admin/all-doctors', { aToken })).doctors as Json[]).find((d) => d._id === docId);
      assert.equal(listed?.available, expected);
    }
    assertAppError(await post(t.app, '/api/admin/change-availability', { docId: 'f'.repeat(24) }, { aToken }), 'Doctor not found');
    assertAppError(await get(t.app, '/api/admin/all-doctors', { aToken: 'not-a-token' }), /token/i);
  });

  it('doctor panel: an admin-created doctor opens the dashboard right after login; profile; update-profile with fees as text', async () => {
    const login = await post(t.app, '/api/doctor/login', { email: doctor.email, password: doctor.password });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(json(login).success, true);
    assert.equal('mustChangePassword' in json(login), false, 'nothing to change: the original panel cannot');
    dToken = json(login).token;
    assertAppError(await post(t.app, '/api/doctor/login', { email: doctor.email, password: 'not-the-password-1' }), 'Invalid credentials');

    const dash = await get(t.app, '/api/doctor/dashboard', { dToken });
    assert.equal(dash.statusCode, 200, dash.body);
    assert.equal(json(dash).success, true);
    assert.deepEqual(json(dash).dashData.latestAppointments, []);

    const profile = json(await get(t.app, '/api/doctor/profile', { dToken }));
    assert.equal(profile.profileData.email, doctor.email);
    assert.equal(profile.profileData.address.line1, '17th Cross');

    // DoctorProfile.jsx: fees straight from an <input type=number> (text), address object, about, available
    const updateData = { address: { line1: '18th Cross', line2: 'Richmond' }, fees: '650', about: 'Sees patients of every age, and their parents.', available: true };
    const updated = await post(t.app, '/api/doctor/update-profile', updateData, { dToken });
    assert.equal(json(updated).success, true, updated.body);
    assert.equal(json(await get(t.app, '/api/doctor/profile', { dToken })).profileData.fees, 650);
    assertAppError(await post(t.app, '/api/doctor/update-profile', { ...updateData, fees: '-5' }, { dToken }), /fees/);

  });

  it('patient app: register, login, get-profile, update-profile (multipart, address as JSON text)', async () => {
    const reg = await post(t.app, '/api/user/register', patient);
    assert.equal(json(reg).success, true, reg.body);
    assertAppError(await post(t.app, '/api/user/register', patient), /already/i);
    assertAppError(await post(t.app, '/api/user/register', { name: 'X', email: 'not-an-email', password: 'patient-pass-123' }), 'Please enter a valid email');

    const login = await post(t.app, '/api/user/login', { email: patient.email, password: patient.password });
    assert.equal(json(login).success, true);
    token = json(login).token;
    assertAppError(await post(t.app, '/api/user/login', { email: patient.email, password: 'wrong-password-1' }), 'Invalid credentials');
    assertAppError(await post(t.app, '/api/user/login', { email: uniqueEmail('nobody'), password: 'wrong-password-1' }), 'Invalid credentials');

    const profile = json(await get(t.app, '/api/user/get-profile', { token }));
    assert.equal(profile.success, true);
    assert.equal(profile.userData.email, patient.email);
    assertAppError(await get(t.app, '/api/user/get-profile', { token: 'expired-or-forged' }), /token/i);

    const fd = new FormData();
    fd.append('name', patient.name);
    fd.append('phone', '9876543210');
    fd.append('address', JSON.stringify({ line1: 'MG Road', line2: 'Bengaluru' }));
    fd.append('gender', 'Female');
    fd.append('dob', '1990-04-12');
    fd.append('image', new Blob([new Uint8Array(await pngBytes(32, 32))], { type: 'image/png' }), 'me.png');
    const updated = await post(t.app, '/api/user/update-profile', fd, { token });
    assert.equal(json(updated).success, true, updated.body);
    const after = json(await get(t.app, '/api/user/get-profile', { token })).userData;
    assert.deepEqual([after.phone, after.address.line1, after.gender, after.dob], ['9876543210', 'MG Road', 'Female', '1990-04-12']);

    const second = await post(t.app, '/api/user/register', { name: 'Other Patient', email: uniqueEmail('legacy.other'), password: 'patient-pass-123' });
    other = json(second).token;
  });


  const bookAs = (tok: string, slotDate: string, slotTime: string) => post(t.app, '/api/user/book-appointment', { docId, slotDate, slotTime }, { token: tok });

  let ids: string[] = [];
  it('book (slotDate 1_12_2026, slotTime 10:00 AM / 10:00 am), appointments in booking order, cancel; d_m_yyyy everywhere', async () => {
    ids = [];
    for (const [slotDate, slotTime] of [['1_12_2026', '04:00 PM'], ['2_12_2026', '10:00 am'], ['1_12_2026', '06:00 pm'], ['3_12_2026', '10:00 AM']]) {
      const res = await bookAs(token, slotDate, slotTime);
      assert.equal(json(res).success, true, res.body);
      assert.equal(typeof json(res).message, 'string');
      assertAppDate(json(res).appointment.slotDate, slotDate);
      ids.push(json(res).appointment._id);
    }
    assertAppError(await bookAs(token, '1_12_2026', '04:00 PM'), 'Slot not available');
    assertAppError(await bookAs(token, '5_12_2026', '10:00 AM'), 'Weekend bookings are not available');
    assertAppError(await post(t.app, '/api/user/book-appointment', { docId, slotDate: '1_12_2026', slotTime: '04:00 PM' }), /login/i);

    const mine = json(await get(t.app, '/api/user/appointments', { token })).appointments as Json[];
    const live = mine.filter((a) => !a.cancelled);
    assert.deepEqual(live.map((a) => a._id), ids, 'booking order: the app reverses it to show the newest first');
    for (const a of mine) assertAppDate(a.slotDate);
    assert.deepEqual(live.map((a) => a.slotDate), ['1_12_2026', '2_12_2026', '1_12_2026', '3_12_2026']);

    const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids[3] }, { token });
    assert.equal(json(cancel).success, true);
    assertAppDate(json(cancel).appointment.slotDate, '3_12_2026');
    assertAppError(await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids[3] }, { token }), 'Appointment is cancelled and cannot be cancelled');
    assertAppError(await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids[0] }, { token: other }), 'This appointment belongs to another patient');
  });

  it('payments: payment-razorpay → verifyRazorpay with the checkout handler’s response; payment-stripe → verifyStripe { success, appointmentId }', async () => {
    const order = await post(t.app, '/api/user/payment-razorpay', { appointmentId: ids[0] }, { token });
    assert.equal(json(order).success, true, order.body);
    const { id, amount, currency } = json(order).order;
    assert.deepEqual([amount, currency], [65000, 'INR']);
    const pay = stub.payRazorpayOrder(id);
    const response = { razorpay_payment_id: pay.id, razorpay_order_id: id, razorpay_signature: razorpayCheckoutSignature(id, pay.id) };
    const verified = await post(t.app, '/api/user/verifyRazorpay', response, { token });
    assert.equal(json(verified).success, true, verified.body);
    assertAppError(await post(t.app, '/api/user/verifyRazorpay', { ...response, razorpay_signature: 'f'.repeat(64) }, { token }), 'Invalid payment signature');

    // a browser sends its Origin: Stripe returns the patient there (FRONTEND_URL is not set here)
    const checkout = await post(t.app, '/api/user/payment-stripe', { appointmentId: ids[1] }, { token, origin: 'http://localhost:5173' });
    assert.equal(json(checkout).success, true, checkout.body);
    assert.match(json(checkout).session_url, /^https?:\/\//);
    assertAppError(await post(t.app, '/api/user/verifyStripe', { success: 'true', appointmentId: ids[1] }, { token }), 'Payment not completed');
    const session = [...stub.sessions.values()].find((s) => s.metadata?.appointmentId === ids[1] || s.client_reference_id === ids[1]);
    assert.ok(session, 'the stand-in holds the session');
    stub.payStripeSession(session.id);
    const stripeOk = await post(t.app, '/api/user/verifyStripe', { success: 'true', appointmentId: ids[1] }, { token });
    assert.equal(json(stripeOk).success, true, stripeOk.body);
    assertAppError(await post(t.app, '/api/user/payment-razorpay', { appointmentId: ids[0] }, { token }), 'Appointment is already paid');

    const mine = json(await get(t.app, '/api/user/appointments', { token })).appointments as Json[];
    assert.deepEqual(mine.filter((a) => a.payment).map((a) => a._id), [ids[0], ids[1]]);
  });

  it('doctor panel: appointments in booking order, complete-appointment, cancel-appointment, dashboard latest first; d_m_yyyy', async () => {
    const list = json(await get(t.app, '/api/doctor/appointments', { dToken })).appointments as Json[];
    const order = list.map((a) => a.date as number);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'booking order');
    assert.deepEqual(list.filter((a) => ids.includes(a._id)).map((a) => a._id), ids);
    for (const a of list) assertAppDate(a.slotDate);

    const done = await post(t.app, '/api/doctor/complete-appointment', { appointmentId: ids[0] }, { dToken });
    assert.equal(json(done).success, true, done.body);
    assertAppDate(json(done).appointment.slotDate, '1_12_2026');
    const cancelled = await post(t.app, '/api/doctor/cancel-appointment', { appointmentId: ids[2] }, { dToken });
    assert.equal(json(cancelled).success, true, cancelled.body);
    assertAppDate(json(cancelled).appointment.slotDate, '1_12_2026');
    assertAppError(await post(t.app, '/api/doctor/complete-appointment', { appointmentId: ids[2] }, { dToken }), 'Appointment is cancelled and cannot be completed');

    const dash = json(await get(t.app, '/api/doctor/dashboard', { dToken })).dashData;
    assert.equal(dash.earnings, 1300, 'two paid appointments of 650');
    assert.equal(dash.patients, 1);
    assert.ok(dash.latestAppointments.length > 0 && dash.latestAppointments.length <= 5);
    for (const a of dash.latestAppointments as Json[]) assertAppDate(a.slotDate);
    assert.equal(dash.latestAppointments[0]._id, list.at(-1)!._id, 'newest booking first, as the original dashboard');
  });

  it('admin panel: appointments in booking order, cancel-appointment, dashboard; d_m_yyyy', async () => {
    const list = json(await get(t.app, '/api/admin/appointments', { aToken })).appointments as Json[];
    const order = list.map((a) => a.date as number);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'booking order');
    for (const a of list) assertAppDate(a.slotDate);
    // a sort asked for is still honoured
    const newest = json(await get(t.app, '/api/admin/appointments?sort=-createdAt', { aToken })).appointments as Json[];
    assert.deepEqual(newest.map((a) => a._id), list.map((a) => a._id).reverse());

    const cancel = await post(t.app, '/api/admin/cancel-appointment', { appointmentId: ids[1] }, { aToken });
    assert.equal(json(cancel).success, true, cancel.body);
    assertAppDate(json(cancel).appointment.slotDate, '2_12_2026');
    assertAppError(await post(t.app, '/api/admin/cancel-appointment', { appointmentId: 'f'.repeat(24) }, { aToken }), 'Appointment not found');

    const dash = json(await get(t.app, '/api/admin/dashboard', { aToken })).dashData;
    assert.deepEqual([dash.doctors, dash.patients], [1, 2]);
    assert.equal(dash.appointments, list.length);
    for (const a of dash.latestAppointments as Json[]) assertAppDate(a.slotDate);
    assert.equal(dash.latestAppointments[0]._id, list.at(-1)!._id);
  });

  it('errors of every kind arrive as 200 with success:false and the server’s message, router errors included', async () => {
    assertAppError(await get(t.app, '/api/admin/dashboard', { dToken }), 'This action needs an admin account');
    assertAppError(await get(t.app, '/api/doctor/dashboard'), 'Not Authorized Login Again');
    assertAppError(await post(t.app, '/api/user/book-appointment', { docId, slotDate: '31_2_2026', slotTime: '10:00 AM' }, { token }), /slotDate/);
    assertAppError(await get(t.app, '/api/nowhere'), 'Route GET /api/nowhere not found');
    assertAppError(await t.app.inject({ method: 'POST', url: '/api/user/login', payload: '{"email":', headers: { 'content-type': 'application/json' } }), 'The request body is not valid JSON');
    assertAppError(await get(t.app, `/api/doctor/${'a'.repeat(2000)}/slots`), 'The URL is too long');
    assertAppError(await get(t.app, '/api/doctor/%E0%A4%A/slots'), 'The URL is not valid');
  });
});

describe('without LEGACY_CLIENTS nothing changes', () => {
  let t: TestApp;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock(NOW);
    t = await makeTestApp({}, { clock });
  });
  after(async () => t.close());

  it('the spec’s statuses and shapes: 4xx errors, YYYY-MM-DD, newest first, slots_booked only booked times, temporary doctor passwords', async () => {
    assert.equal(t.config.legacyClients, false);
    const aToken = await adminLogin(t);
    const doctor = { name: 'Dr. Modern', email: uniqueEmail('modern.doctor'), password: 'doctor-pass-123', fees: '500' };
    const added = await post(t.app, '/api/admin/add-doctor', await addDoctorForm(doctor), { aToken });
    assert.equal(added.statusCode, 201, added.body);
    const docId = json(added).doctor._id as string;

    // the admin's password is temporary: the login says so and the dashboard refuses until it changes
    const login = await post(t.app, '/api/doctor/login', { email: doctor.email, password: doctor.password });
    assert.equal(login.statusCode, 200);
    assert.equal(json(login).mustChangePassword, true);
    const dToken = json(login).token as string;
    const dash = await get(t.app, '/api/doctor/dashboard', { dToken });
    assert.equal(dash.statusCode, 403);
    assert.deepEqual(json(dash), { success: false, message: 'Please change your temporary password first' });
    const changed = await post(t.app, '/api/doctor/change-password', { oldPassword: doctor.password, newPassword: 'doctor-own-pass-456' }, { dToken });
    assert.equal(changed.statusCode, 200, changed.body);

    const reg = await post(t.app, '/api/user/register', { name: 'Modern Patient', email: uniqueEmail('modern.patient'), password: 'patient-pass-123' });
    assert.equal(reg.statusCode, 201);
    const token = json(reg).token as string;
    const bad = await post(t.app, '/api/user/login', { email: uniqueEmail('nobody'), password: 'wrong-password-1' });
    assert.equal(bad.statusCode, 401);

    const ids: string[] = [];
    for (const [slotDate, slotTime] of [['1_12_2026', '04:00 PM'], ['2_12_2026', '10:00 am']]) {
      const res = await post(t.app, '/api/user/book-appointment', { docId, slotDate, slotTime }, { token });
      assert.equal(res.statusCode, 201, res.body);
      ids.push(json(res).appointment._id);
    }
    assert.equal(json(await post(t.app, '/api/user/book-appointment', { docId, slotDate: '1_12_2026', slotTime: '04:00 PM' }, { token })).message, 'Slot not available');
    assert.equal((await post(t.app, '/api/user/book-appointment', { docId, slotDate: '1_12_2026', slotTime: '04:00 PM' }, { token })).statusCode, 409);

    const mine = json(await get(t.app, '/api/user/appointments', { token })).appointments as Json[];
    assert.deepEqual(mine.map((a) => a._id), [...ids].reverse(), 'newest first');
    assert.deepEqual(mine.map((a) => a.slotDate), ['2026-12-02', '2026-12-01']);
    const doctorList = json(await get(t.app, '/api/admin/appointments', { aToken })).appointments as Json[];
    assert.deepEqual(doctorList.map((a) => a._id), [...ids].reverse());

    const listed = (json(await get(t.app, '/api/doctor/list')).doctors as Json[]).find((d) => d._id === docId)!;
    assert.deepEqual(listed.slots_booked, { '2026-12-01': ['04:00 PM'], '1_12_2026': ['04:00 PM'], '2026-12-02': ['10:00 AM'], '2_12_2026': ['10:00 AM'] });

    assert.equal((await get(t.app, `/api/doctor/${'a'.repeat(2000)}/slots`)).statusCode, 414);
    assert.equal((await get(t.app, '/api/nowhere')).statusCode, 404);
  });

  it('LEGACY_ERROR_STATUS=200 (the older name) only turns errors into 200, router errors included', async () => {
    const alias = await makeTestApp({ LEGACY_ERROR_STATUS: '200' }, { testDb: t.testDb, clock });
    try {
      assert.equal(alias.config.legacyClients, false);
      assertAppError(await post(alias.app, '/api/user/login', { email: uniqueEmail('nobody'), password: 'wrong-password-1' }), 'Invalid credentials');
      assertAppError(await get(alias.app, `/api/doctor/${'a'.repeat(2000)}/slots`), 'The URL is too long');
      const mine = json(await get(alias.app, '/api/admin/appointments', { aToken: await adminLogin(alias) })).appointments as Json[];
      assert.ok(mine.length > 0);
      for (const a of mine) assert.match(a.slotDate, /^\d{4}-\d{2}-\d{2}$/);
    } finally {
      await alias.app.close();
    }
  });
});

describe('doctor list cache under LEGACY_CLIENTS: rebuilt at the next whole minute', () => {
  it('serves the entry within its minute and rebuilds after it, on the clock it is given', async () => {
    let now = Date.parse('2026-12-01T05:15:20Z');
    let builds = 0;
    const cache = new DoctorListCache(new DomainEvents(), { redisKey: 'unused', maxAgeMs: 60_000, minuteBound: true, now: () => now });
    const build = async () => `list ${++builds}`;
    assert.equal((await cache.get(build)).body.toString(), 'list 1');
    now += 39_000; // 05:15:59
    assert.equal((await cache.get(build)).body.toString(), 'list 1');
    now += 1_000; // 05:16:00: a new minute, the rules may have moved
    assert.equal((await cache.get(build)).body.toString(), 'list 2');
    const plain = new DoctorListCache(new DomainEvents(), { redisKey: 'unused', maxAgeMs: 60_000, now: () => now });
    await plain.get(build);
    now += 59_000;
    assert.equal((await plain.get(build)).body.toString(), 'list 3', 'without minuteBound only the age counts');
  });
});
