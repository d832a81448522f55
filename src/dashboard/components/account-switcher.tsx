import type { SignedIn } from "../../services/users";
import { PostForm } from "./form";

/** Picks the current account among the user's (a plain form; app.js submits it on change). */
export function AccountSwitcher(props: { signedIn: SignedIn; csrf: string; path: string }) {
  const { memberships, current } = props.signedIn;
  if (memberships.length === 0) return null;
  if (memberships.length === 1) {
    return (
      <p class="account-name">
        <span class="visually-hidden">Account: </span>
        {current?.accountName}
      </p>
    );
  }
  return (
    <PostForm action="/dashboard/switch-account" csrf={props.csrf} class="account-switcher" label="Switch account">
      <input type="hidden" name="next" value={props.path} />
      <label for="account-switch" class="visually-hidden">
        Account
      </label>
      <select id="account-switch" name="accountId" data-autosubmit>
        {memberships.map((m) => (
          <option value={m.accountId} selected={m.accountId === current?.accountId}>
            {`${m.accountName} (${m.role})`}
          </option>
        ))}
      </select>
      <button type="submit" class="button-small" data-js-hide>
        Switch
      </button>
    </PostForm>
  );
}
