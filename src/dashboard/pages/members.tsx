import type { Context } from "hono";
import { Hono } from "hono";
import {
  type AccountMember,
  ChangeRoleBody,
  can,
  changeMemberRole,
  type Invite,
  InviteMemberBody,
  inviteMember,
  listMembers,
  type MemberRefusal,
  type MemberRole,
  removeMember,
  revokeMemberInvite,
  rotateSession,
} from "../../services/users";
import { Field, FormError, PostForm } from "../components/form";
import { TableWrap } from "../components/table-wrap";
import { Time } from "../components/time";
import { csrfToken, dashContext, signedInOf } from "../context";
import { setFlash, setSessionCookie } from "../cookies";
import type { DashEnv } from "../env";
import { emptyForm, type FormState, fieldErrors } from "../forms";
import { renderPage } from "../render";
import { errorPage } from "./errors";
import { NoAccount } from "./overview";

const ROLE_LABEL: Record<MemberRole, string> = { owner: "Owner", developer: "Developer" };

function RoleSelect(props: { id: string; name: string; value: string; label: string; visuallyHiddenLabel?: boolean; error?: string }) {
  return (
    <>
      <label for={props.id} class={props.visuallyHiddenLabel ? "visually-hidden" : undefined}>
        {props.label}
      </label>
      <select id={props.id} name={props.name} aria-invalid={props.error ? "true" : undefined}>
        {(Object.keys(ROLE_LABEL) as MemberRole[]).map((r) => (
          <option value={r} selected={r === props.value}>
            {ROLE_LABEL[r]}
          </option>
        ))}
      </select>
    </>
  );
}

function MemberTable(props: { members: AccountMember[]; me: string; csrf: string }) {
  return (
    <TableWrap label="Members">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Member since</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.members.map((m) => (
            <tr>
              <td>
                {m.email}
                {m.userId === props.me ? <span class="muted"> (you)</span> : null}
              </td>
              <td>
                <PostForm action={`/dashboard/members/${m.userId}/role`} csrf={props.csrf} class="inline-form" label={`Role of ${m.email}`}>
                  <RoleSelect id={`role-${m.userId}`} name="role" value={m.role} label={`Role of ${m.email}`} visuallyHiddenLabel />{" "}
                  <button type="submit" class="button-small" aria-label={`Change the role of ${m.email}`}>
                    Change
                  </button>
                </PostForm>
              </td>
              <td>
                <Time ms={m.createdAt} />
              </td>
              <td>
                <PostForm action={`/dashboard/members/${m.userId}/remove`} csrf={props.csrf} confirm={`Remove ${m.email} from this account?`}>
                  <button type="submit" class="button-small button-danger" aria-label={`Remove ${m.email}`}>
                    Remove
                  </button>
                </PostForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function InviteTable(props: { invites: Invite[]; csrf: string }) {
  if (props.invites.length === 0) return <p>No pending invites.</p>;
  return (
    <TableWrap label="Pending invites">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Link expires</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.invites.map((i) => (
            <tr>
              <td>{i.email}</td>
              <td>{ROLE_LABEL[i.role]}</td>
              <td>
                <Time ms={i.expiresAt} />
              </td>
              <td>
                <PostForm action={`/dashboard/members/invites/${i.id}/revoke`} csrf={props.csrf}>
                  <button type="submit" class="button-small button-danger" aria-label={`Revoke the invite of ${i.email}`}>
                    Revoke
                  </button>
                </PostForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

async function membersPage(c: Context<DashEnv>, extra: { state?: FormState | undefined; error?: string; status?: 200 | 400 | 409 } = {}): Promise<Response> {
  const signedIn = signedInOf(c);
  if (!signedIn.current) return renderPage(c, "Members", <NoAccount />);
  const listed = await listMembers(dashContext(c), signedIn);
  if ("ok" in listed) return refusalPage(c, listed);
  const csrf = csrfToken(c);
  const state = extra.state ?? emptyForm({ role: "developer" });
  return renderPage(
    c,
    "Members",
    <>
      <FormError message={extra.error} />
      <p>Owners can do everything, including managing members and account settings; developers can use everything else.</p>
      <MemberTable members={listed.members} me={signedIn.user.id} csrf={csrf} />
      <h2>Pending invites</h2>
      <InviteTable invites={listed.invites} csrf={csrf} />
      <h2>Invite a member</h2>
      <PostForm action="/dashboard/members/invite" csrf={csrf} label="Invite a member">
        <Field name="email" label="Email" type="email" required state={state} hint="They get a link, valid 7 days, to join this account." />
        <div class={state.errors.role ? "field field-invalid" : "field"}>
          <RoleSelect id="f-role" name="role" value={state.values.role ?? "developer"} label="Role" error={state.errors.role} />
        </div>
        <button type="submit" class="button-primary">
          Send invite
        </button>
      </PostForm>
    </>,
    { status: extra.status ?? 200 },
  );
}

function refusalPage(c: Context<DashEnv>, refusal: MemberRefusal, state?: FormState): Response | Promise<Response> {
  switch (refusal.reason) {
    case "forbidden":
      return errorPage(c, 403, "Not allowed", "Only an owner of this account can manage its members.");
    case "not-found":
      return membersPage(c, { state, error: "That member or invite does not exist (any more).", status: 409 });
    case "last-owner":
      return membersPage(c, { state, error: "An account keeps at least one owner: make someone else an owner first.", status: 409 });
    case "already-member":
      return membersPage(c, { state: { values: state?.values ?? {}, errors: { email: "This address is already a member of this account." } }, status: 400 });
    case "invalid":
      return membersPage(c, { state: { values: state?.values ?? {}, errors: refusal.fields }, status: 400 });
  }
}

export const memberPages = new Hono<DashEnv>()
  .get("/members", (c) => {
    const role = signedInOf(c).current?.role;
    if (role && !can(role, "members")) return errorPage(c, 403, "Not allowed", "Only an owner of this account can manage its members.");
    return membersPage(c);
  })
  .post("/members/invite", async (c) => {
    const form = c.get("form");
    const state = emptyForm({ email: form.email ?? "", role: form.role ?? "" });
    const parsed = InviteMemberBody.safeParse({ email: form.email ?? "", role: form.role ?? "" });
    if (!parsed.success) return refusalPage(c, { ok: false, reason: "invalid", fields: fieldErrors(parsed.error) }, state);
    const result = await inviteMember(dashContext(c), signedInOf(c), parsed.data);
    if (!result.ok) return refusalPage(c, result, state);
    setFlash(c, { kind: "success", text: `Invite sent to ${result.invite.email} (${ROLE_LABEL[result.invite.role]}).` });
    return c.redirect("/dashboard/members", 303);
  })
  .post("/members/invites/:inviteId/revoke", async (c) => {
    const result = await revokeMemberInvite(dashContext(c), signedInOf(c), c.req.param("inviteId"));
    if (!result.ok) return refusalPage(c, result);
    setFlash(c, { kind: "success", text: `The invite of ${result.invite.email} is revoked: its link no longer works.` });
    return c.redirect("/dashboard/members", 303);
  })
  .post("/members/:userId/role", async (c) => {
    const signedIn = signedInOf(c);
    const parsed = ChangeRoleBody.safeParse({ role: c.get("form").role ?? "" });
    if (!parsed.success) return refusalPage(c, { ok: false, reason: "invalid", fields: fieldErrors(parsed.error) });
    const ctx = dashContext(c);
    const result = await changeMemberRole(ctx, signedIn, c.req.param("userId"), parsed.data.role);
    if (!result.ok) return refusalPage(c, result);
    if (result.selfRotated) {
      // Your own privileges changed: this session was ended with the others; a new one carries on.
      const { token } = await rotateSession(ctx, null, signedIn.user.id, signedIn.current?.accountId ?? null);
      setSessionCookie(c, token);
    }
    setFlash(c, {
      kind: "success",
      text: result.changed
        ? `Role changed to ${ROLE_LABEL[parsed.data.role]}. Their sessions were ended: the new role applies when they sign in again.`
        : "The role is unchanged.",
    });
    return c.redirect(result.selfRotated ? "/dashboard" : "/dashboard/members", 303);
  })
  .post("/members/:userId/remove", async (c) => {
    const result = await removeMember(dashContext(c), signedInOf(c), c.req.param("userId"));
    if (!result.ok) return refusalPage(c, result);
    setFlash(c, { kind: "success", text: result.self ? "You left this account." : "The member is removed: they lose access on their next request." });
    return c.redirect(result.self ? "/dashboard" : "/dashboard/members", 303);
  });
