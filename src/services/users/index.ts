export type { KeyRefusal } from "./account-keys";
export { createMemberKey, getMemberKey, listMemberKeys, revokeMemberKey, rollMemberKey } from "./account-keys";
export { signupCreditsReference } from "./credits";
export { EMAIL_LINK_TTL_MS } from "./email-links";
export type { FormAnswer, FormClaim } from "./form-answers";
export { claimFormToken, FORM_ANSWER_TTL_MS, FORM_TOKEN, newFormToken, releaseFormToken, rememberFormAnswer } from "./form-answers";
export type { CreateInviteInput, Invite } from "./invites";
export { acceptInvite, createInvite, findInvite } from "./invites";
export type { AccountMember, MemberRefusal } from "./members";
export { ChangeRoleBody, changeMemberRole, InviteMemberBody, inviteMember, listMembers, removeMember, revokeMemberInvite } from "./members";
export { operatorSignIn } from "./operator";
export type { CeremonyOptions, Passkey, PasskeyRefusal, RelyingParty } from "./passkeys";
export {
  CHALLENGE_TTL_MS,
  finishPasskeyReauth,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  listPasskeys,
  PasskeyNameSchema,
  removePasskey,
  startPasskeyReauth,
  startPasskeyRegistration,
  startPasskeySignIn,
} from "./passkeys";
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "./password-rules";
export { hashPassword, PASSWORD_HASH_VERSION, PBKDF2_ITERATIONS, verifyPassword } from "./passwords";
export { DEV_OUTBOX_KEEP_MS, PRUNE_BATCH, pruneDashboardState } from "./prune";
export { hasRecentAuth, markRecentAuth, RECENT_AUTH_MS, reauthenticateWithPassword } from "./recent-auth";
export type { ResetResult } from "./recovery";
export { isResetLinkLive, requestPasswordReset, resendVerification, resetPassword, verifyEmail } from "./recovery";
export type { MemberRole, Permission } from "./roles";
export { can, PERMISSIONS } from "./roles";
export type { Membership, SessionRow, SignedIn } from "./sessions";
export {
  createOperatorSession,
  endAllSessions,
  endSession,
  isSessionLive,
  loadOperatorSession,
  loadSession,
  OPERATOR_SESSION_MS,
  rotateSession,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SESSION_TOUCH_MS,
  switchAccount,
} from "./sessions";
export type { SignInResult } from "./sign-in";
export { signIn } from "./sign-in";
export type { SignUpInput, SignUpResult } from "./sign-up";
export { credentialProblems, EmailSchema, signUp } from "./sign-up";
export type { Throttled } from "./throttle";
export { THROTTLE } from "./throttle";
