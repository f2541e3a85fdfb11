// Patients' data rights: the export holds all of a patient's data and nothing of anyone else's;
// deleting the account erases the person, ends the sessions, keeps the records tied by ids, and is
// refused while an appointment or a refund is still in progress. Every call is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken, bearer, book, createDoctor, futureSlot, get, json, makeTestApp, post, registerPatient, uniqueEmail, type TestApp } from '../../helpers/app.js';

describe('data rights: export and account deletion', () => {
  let t: TestApp;
  let doctor: Awaited<ReturnType<typeof createDoctor>>;
  let a: Awaited<ReturnType<typeof registerPatient>> & { name: string };
  let b: Awaited<ReturnType<typeof registerPatient>> & { name: string };
  let atoken: string;
  const ids: Record<string, string> = {};
  const q = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.app.ctx.database.query<T>(text, params);
  const del = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'DELETE', url, headers });

  async function bookOk(token: string, k: number): Promise<string> {
    const res = await book(t.app, token, doctor.id, futureSlot(k));
    assert.equal(res.statusCode, 201, res.body);
    return json(res).appointment._id as string;
  }

  before(async () => {
    t = await makeTestApp();
    doctor = await createDoctor(t.app);
    atoken = await adminToken(t.app);
    const aName = `Asha Erasable ${Date.now().toString(36)}`;
    const bName = `Bina Keeps ${Date.now().toString(36)}`;
    a = { ...(await registerPatient(t.app, { name: aName, email: uniqueEmail('asha') })), name: aName };
    b = { ...(await registerPatient(t.app, { name: bName, email: uniqueEmail('bina') })), name: bName };
    // A: one visit done and paid, one cancelled with a refund; B: one upcoming, paid
    ids.aDone = await bookOk(a.token, 0);
    ids.aCancelled = await bookOk(a.token, 1);
    ids.bLive = await bookOk(b.token, 2);
    const cancel = await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids.aCancelled, reason: 'my private reason' }, bearer(a.token));
    assert.equal(cancel.statusCode, 200, cancel.body);
    await q(`UPDATE appointments SET status = 'completed', completed_at = now(), paid = true, paid_at = now(), payment_gateway = 'razorpay', payment_id = 'pay_a_done' WHERE id = $1`, [ids.aDone]);
    for (const [order, appt, patient, payment] of [
      ['order_a_done', ids.aDone, a.id, 'pay_a_done'],
      ['order_a_cancelled', ids.aCancelled, a.id, 'pay_a_cancelled'],
      ['order_b_live', ids.bLive, b.id, 'pay_b_live'],
    ]) {
      await q(`INSERT INTO payment_orders (id, gateway, appointment_id, patient_id, amount_minor, currency, status, payment_id) VALUES ($1, 'razorpay', $2, $3, 50000, 'INR', 'paid', $4)`, [order, appt, patient, payment]);
    }
    await q(`INSERT INTO payment_refunds (id, appointment_id, gateway, payment_id, amount_minor, currency, status) VALUES ($1, $2, 'razorpay', 'pay_a_cancelled', 50000, 'INR', 'queued')`, [`${ids.aCancelled}:pay_a_cancelled`, ids.aCancelled]);
    // a thread and a review on A's finished visit; a message in B's thread
    await q(`INSERT INTO appointment_messages (id, appointment_id, sender_role, sender_id, body, created_at) VALUES ('m_a_1', $1, 'patient', $2, 'my knee still hurts', now()), ('m_a_2', $1, 'doctor', $3, 'please rest it', now())`, [ids.aDone, a.id, doctor.id]);
    await q(`INSERT INTO appointment_messages (id, appointment_id, sender_role, sender_id, body, created_at) VALUES ('m_b_1', $1, 'patient', $2, 'only B wrote this', now())`, [ids.bLive, b.id]);
    await q(`INSERT INTO reviews (id, appointment_id, doctor_id, patient_id, rating, comment, author_name, created_at, updated_at) VALUES ('r_a', $1, $2, $3, 4, 'kind and careful', 'Asha E.', now(), now())`, [ids.aDone, doctor.id, a.id]);
    // A waits for the doctor in two days' time (a free time there is offered at once)
    const joined = await post(t.app, '/api/user/waitlist', { docId: doctor.id, fromDate: new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10) }, bearer(a.token));
    assert.equal(joined.statusCode, 201, joined.body);
    ids.aWaitlist = json(joined).entry._id as string;
    // B's own notification, which must never reach A's export
    await q(`INSERT INTO notifications (id, recipient_role, recipient_id, type, title, body) VALUES ('n_b_only', 'patient', $1, 'note', 'for B', 'only B reads this')`, [b.id]);
  });
  after(async () => t.close());

  it('exports all of the patient’s data and nothing of another patient', async () => {
    const res = await get(t.app, '/api/user/data-export', bearer(a.token));
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="prescripto-data-[0-9a-f]{24}\.json"$/);
    const data = json(res);
    assert.equal(data.format, 'prescripto-patient-export/1');
    assert.equal(data.profile._id, a.id);
    assert.equal(data.profile.email, a.email);
    assert.equal(data.profile.name, a.name);
    assert.deepEqual(data.appointments.map((x: { id: string }) => x.id).sort(), [ids.aDone, ids.aCancelled].sort());
    const cancelled = data.appointments.find((x: { id: string }) => x.id === ids.aCancelled);
    assert.equal(cancelled.cancelReason, 'my private reason');
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(data.payments.orders.map((o: { id: string }) => o.id).sort(), ['order_a_cancelled', 'order_a_done']);
    assert.deepEqual(data.payments.refunds.map((r: { appointmentId: string }) => r.appointmentId), [ids.aCancelled]);
    assert.ok(data.notifications.length > 0, 'the booking notifications are exported');
    assert.ok(data.notifications.every((n: { id: string }) => n.id !== 'n_b_only'));
    assert.ok(data.emails.length > 0, 'the emails sent to the patient are exported');
    assert.deepEqual(data.messages.map((m: { body: string }) => m.body).sort(), ['my knee still hurts', 'please rest it']);
    assert.deepEqual(data.reviews.map((r: { comment: string; rating: number }) => [r.rating, r.comment]), [[4, 'kind and careful']]);
    assert.deepEqual(data.waitlist.map((w: { id: string; doctorId: string }) => [w.id, w.doctorId]), [[ids.aWaitlist, doctor.id]]);
    for (const foreign of [b.id, b.email, b.name, ids.bLive, 'order_b_live', 'pay_b_live', 'only B reads this', 'only B wrote this']) {
      assert.ok(!res.body.includes(foreign), `the export holds nothing of another patient (${foreign.slice(0, 6)}…)`);
    }
  });

  it('lets the admin find a patient and download the same export; other roles are refused', async () => {
    const found = await get(t.app, `/api/admin/patients?q=${encodeURIComponent(a.email.slice(0, 12))}`, bearer(atoken));
    assert.equal(found.statusCode, 200, found.body);
    assert.ok(json(found).patients.some((p: { _id: string }) => p._id === a.id));
    const mine = json(await get(t.app, '/api/user/data-export', bearer(a.token)));
    const res = await get(t.app, `/api/admin/patients/${a.id}/data-export`, bearer(atoken));
    assert.equal(res.statusCode, 200, res.body);
    const data = json(res);
    assert.deepEqual(data.appointments, mine.appointments);
    assert.deepEqual(data.payments, mine.payments);
    for (const token of [a.token, doctor.token]) {
      assert.equal((await get(t.app, `/api/admin/patients/${a.id}/data-export`, bearer(token))).statusCode, 403);
      assert.equal((await del(`/api/admin/patients/${b.id}`, bearer(token))).statusCode, 403);
      assert.equal((await get(t.app, `/api/admin/patients?q=asha`, bearer(token))).statusCode, 403);
    }
    assert.equal((await get(t.app, `/api/admin/patients/${a.id}/data-export`)).statusCode, 401);
    assert.equal((await get(t.app, '/api/user/data-export', bearer(doctor.token))).statusCode, 403);
    assert.equal((await get(t.app, `/api/admin/patients/${'0'.repeat(24)}/data-export`, bearer(atoken))).statusCode, 404);
  });

  it('refuses deletion with 409 while an upcoming appointment or a refund in progress exists', async () => {
    const upcoming = await bookOk(a.token, 3);
    const withLive = await post(t.app, '/api/user/delete-account', { password: a.password }, bearer(a.token));
    assert.equal(withLive.statusCode, 409, withLive.body);
    assert.match(json(withLive).message, /1 upcoming appointment/);
    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: upcoming }, bearer(a.token))).statusCode, 200);

    const withRefund = await post(t.app, '/api/user/delete-account', { password: a.password }, bearer(a.token));
    assert.equal(withRefund.statusCode, 409, withRefund.body);
    assert.match(json(withRefund).message, /refund/);
    await q(`UPDATE payment_refunds SET status = 'issued', refund_id = 'rfnd_a', refund_state = 'pending' WHERE appointment_id = $1`, [ids.aCancelled]);
    assert.equal((await post(t.app, '/api/user/delete-account', { password: a.password }, bearer(a.token))).statusCode, 409, 'a refund the gateway has not finished');
    await q(`UPDATE payment_refunds SET refund_state = 'processed' WHERE appointment_id = $1`, [ids.aCancelled]);

    const wrong = await post(t.app, '/api/user/delete-account', { password: 'not-my-password' }, bearer(a.token));
    assert.equal(wrong.statusCode, 400);
    assert.equal(json(wrong).message, 'The password is not correct');
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(a.token))).statusCode, 200, 'nothing was erased');
  });

  it('deletes the account: no login, old tokens 401, the doctor sees "Deleted patient", payments kept, the email free again', async () => {
    const loginBefore = await post(t.app, '/api/user/login', { email: a.email, password: a.password });
    assert.equal(loginBefore.statusCode, 200);
    const second = json(loginBefore);
    const patientsCounted = async () => json(await get(t.app, '/api/admin/dashboard', bearer(atoken))).dashData.patients as number;
    const countedBefore = await patientsCounted();

    const res = await post(t.app, '/api/user/delete-account', { password: a.password }, bearer(a.token));
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res), { success: true, message: 'Account deleted' });
    // the login attempts recorded the email typed; a later attempt with it is a new record
    assert.equal((await q(`SELECT 1 FROM audit_log WHERE detail->>'email' = $1`, [a.email.toLowerCase()])).length, 0, 'the audit log keeps no email of the account');

    for (const token of [a.token, second.token]) assert.equal((await get(t.app, '/api/user/get-profile', bearer(token))).statusCode, 401);
    assert.equal((await post(t.app, '/api/user/refresh', { refreshToken: second.refreshToken })).statusCode, 401);
    assert.equal((await post(t.app, '/api/user/login', { email: a.email, password: a.password })).statusCode, 401);
    assert.equal(await patientsCounted(), countedBefore - 1, 'the admin dashboard no longer counts the erased patient');

    const list = json(await get(t.app, '/api/doctor/appointments', bearer(doctor.token)));
    const aRows = list.appointments.filter((x: { userId: string; _id: string }) => x._id === ids.aDone || x._id === ids.aCancelled);
    assert.equal(aRows.length, 2);
    for (const row of aRows) {
      assert.equal(row.userData.name, 'Deleted patient');
      assert.equal(row.userData.email, '');
    }
    assert.equal(list.appointments.find((x: { _id: string }) => x._id === ids.bLive).userData.name, b.name, 'other patients are untouched');
    assert.equal(aRows.find((x: { _id: string }) => x._id === ids.aCancelled).cancelReason ?? null, null);

    const orders = await q<{ id: string; patient_id: string; appointment_id: string }>(`SELECT id, patient_id, appointment_id FROM payment_orders WHERE patient_id = $1 ORDER BY id`, [a.id]);
    assert.deepEqual(orders.map((o) => [o.id, o.appointment_id]), [['order_a_cancelled', ids.aCancelled], ['order_a_done', ids.aDone]]);
    assert.equal((await q(`SELECT 1 FROM payment_refunds WHERE appointment_id = $1`, [ids.aCancelled])).length, 1);

    const [row] = await q<{ name: string; email: string; phone: string; deleted_at: unknown }>(`SELECT name, email::text AS email, phone, deleted_at FROM patients WHERE id = $1`, [a.id]);
    assert.equal(row.name, 'Deleted patient');
    assert.equal(row.email, `deleted-${a.id}@deleted.invalid`);
    assert.ok(row.deleted_at);
    assert.equal((await q(`SELECT 1 FROM notifications WHERE recipient_role = 'patient' AND recipient_id = $1`, [a.id])).length, 0);
    // the thread goes whole; the review keeps its rating for the doctor's average, without words or name
    assert.equal((await q(`SELECT 1 FROM appointment_messages WHERE appointment_id = $1`, [ids.aDone])).length, 0);
    assert.equal((await q(`SELECT 1 FROM appointment_messages WHERE id = 'm_b_1'`)).length, 1, 'other threads are untouched');
    assert.deepEqual(await q(`SELECT rating, comment, author_name FROM reviews WHERE id = 'r_a'`), [{ rating: 4, comment: null, author_name: 'Deleted patient' }]);
    assert.equal((await q(`SELECT 1 FROM waitlist_entries WHERE patient_id = $1`, [a.id])).length, 0, 'the waitlist entries go');
    assert.equal((await q(`SELECT 1 FROM waitlist_offers WHERE patient_id = $1`, [a.id])).length, 0, 'and the times offered, freed for the next patient');
    const leftovers = await q(`SELECT id FROM notification_outbox WHERE recipient ILIKE $1 OR text_body LIKE $2 OR text_body ILIKE $1 OR subject LIKE $2 OR text_body LIKE '%my private reason%'`, [a.email, `%${a.name}%`]);
    assert.equal(leftovers.length, 0, 'no email holds the name, address or cancellation reason');
    assert.equal((await get(t.app, `/api/admin/patients/${a.id}/data-export`, bearer(atoken))).statusCode, 404, 'a deleted account is gone');

    // the database itself refuses an appointment for the erased patient, whatever writes it
    await assert.rejects(
      q(`INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, status, paid)
         SELECT 'ffffffffffffffffffffffff', patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, 'pending', false
           FROM appointments WHERE id = $1`, [ids.aDone]),
      (err: unknown) => (err as { code?: string }).code === 'PD001' && /patient account deleted/.test(String((err as Error).message)),
    );

    const again = await post(t.app, '/api/user/register', { name: 'Asha Returns', email: a.email, password: 'a-new-password-1' });
    assert.equal(again.statusCode, 201, again.body);
  });

  it('lets the admin delete a patient on request, with the same rules', async () => {
    const refused = await del(`/api/admin/patients/${b.id}`, bearer(atoken));
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((await post(t.app, '/api/user/cancel-appointment', { appointmentId: ids.bLive }, bearer(b.token))).statusCode, 200);
    // the cancellation of a paid appointment queues a refund: settle it as the gateway would
    await q(`UPDATE payment_refunds SET status = 'issued', refund_id = 'rfnd_b', refund_state = 'processed' WHERE appointment_id = $1`, [ids.bLive]);
    const res = await del(`/api/admin/patients/${b.id}`, bearer(atoken));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await get(t.app, '/api/user/get-profile', bearer(b.token))).statusCode, 401);
    assert.equal((await del(`/api/admin/patients/${b.id}`, bearer(atoken))).statusCode, 404);
    const found = json(await get(t.app, `/api/admin/patients?q=${encodeURIComponent(b.email.slice(0, 12))}`, bearer(atoken)));
    assert.equal(found.patients.length, 0, 'a deleted account is not found');
  });

  it('writes every export and deletion to the audit log', async () => {
    const rows = await q<{ action: string; actor_role: string; actor_id: string; target_id: string | null; outcome: string; status_code: number }>(
      `SELECT action, actor_role, actor_id, target_id, outcome, status_code FROM audit_log
        WHERE action IN ('user.data-export', 'user.delete-account', 'admin.patients.:id.data-export', 'admin.patients.:id') ORDER BY id`,
    );
    const has = (action: string, actorId: string, status: number, target?: string) =>
      rows.some((r) => r.action === action && r.actor_id === actorId && r.status_code === status && (target === undefined || r.target_id === target));
    assert.ok(has('user.data-export', a.id, 200), 'patient export');
    assert.ok(has('user.delete-account', a.id, 409), 'refused deletion');
    assert.ok(has('user.delete-account', a.id, 400), 'wrong password');
    assert.ok(has('user.delete-account', a.id, 200), 'deletion');
    const adminId = rows.find((r) => r.actor_role === 'admin')?.actor_id ?? '';
    assert.ok(has('admin.patients.:id.data-export', adminId, 200, a.id), 'admin export');
    assert.ok(has('admin.patients.:id', adminId, 200, b.id), 'admin deletion');
    assert.ok(has('admin.patients.:id', adminId, 409, b.id), 'admin deletion refused');
  });
});
