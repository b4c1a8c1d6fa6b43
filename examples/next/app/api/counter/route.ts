import { withSession } from '@/lib/session'

export const GET = withSession(async (_request, _context, session) =>
  Response.json({ count: session.get('count') ?? 0 }),
)

export const POST = withSession(async (_request, _context, session) => {
  const count = (session.get('count') ?? 0) + 1
  session.set('count', count)
  return Response.json({ count })
})
