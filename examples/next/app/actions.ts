'use server'

import { redirect } from 'next/navigation'
import { getSession, sessions } from '@/lib/session'

/** A demo login: any name signs in. A real app checks a password here. */
export async function login(form: FormData): Promise<void> {
  const name = String(form.get('name') ?? '').trim()
  if (!/^[\w .-]{1,40}$/.test(name)) redirect('/login?error=name')
  const session = await getSession()
  session.set('userId', name.toLowerCase())
  session.set('name', name)
  session.flash('notice', `Welcome, ${name}!`)
  // A new id at login: an id planted or seen before login is worth nothing after it. The new session
  // records this request's User-Agent (createSessions' `metadata` default), which /sessions shows.
  await session.regenerate()
  redirect('/')
}

export async function logout(): Promise<void> {
  await (await getSession()).destroy()
  redirect('/login')
}

/** "Log out other devices": every session of this user but the current one. */
export async function revokeOthers(): Promise<void> {
  const session = await getSession()
  const userId = session.get('userId')
  if (userId) await sessions().store.destroyByUser(userId, { except: session.id })
  redirect('/sessions')
}

/** Revokes one listed session; the userId condition stops revoking another user's session by digest. */
export async function revoke(form: FormData): Promise<void> {
  const session = await getSession()
  const userId = session.get('userId')
  const digest = String(form.get('digest') ?? '')
  if (userId && digest) await sessions().store.destroyByDigest(digest, { userId })
  redirect('/sessions')
}
