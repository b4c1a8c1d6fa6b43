/**
 * Next's control-flow errors: what `redirect()`, `permanentRedirect()`, `notFound()`, `forbidden()` and
 * `unauthorized()` throw so that Next answers for the handler. `withSession` commits the session before
 * rethrowing one, so `session.unset('userId'); redirect('/login')` logs out.
 *
 * Next's own check decides (it reads the error's `digest`: `NEXT_REDIRECT;…` or
 * `NEXT_HTTP_ERROR_FALLBACK;<401|403|404>`), so this follows the installed version. Dynamic-rendering
 * bailouts (`DYNAMIC_SERVER_USAGE`, postpone) are not here: they are thrown while Next prerenders, with no
 * user and no cookies, and pass through unchanged with nothing committed.
 */
import { isNextRouterError } from 'next/dist/client/components/is-next-router-error.js'

/** True for an error Next throws to redirect or to answer 401, 403 or 404. */
export function isNextControlFlow(err: unknown): boolean {
  return isNextRouterError(err)
}
