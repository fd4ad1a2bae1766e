/**
 * The Lua scripts of the Redis stores (key layout: keys.ts). ARGV[1] is always the key prefix `P`;
 * keys a script derives from stored fields (a session's handle, user and realm index) carry the
 * same hash tag as the declared ones, so they are in the declared keys' Cluster slot. Times are
 * epoch milliseconds as decimal strings; Lua numbers (doubles) hold them exactly.
 */

const HELPERS = `
local P = ARGV[1]

-- Byte order, like the ids' order in JavaScript: Lua's '<' on strings uses the locale (strcoll).
local function bytesLess(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Garbage collection only: expire the keys at gcAt unless the server's clock is already past it.
local function expireAt(gcAt, ...)
  local t = redis.call('TIME')
  local due = tonumber(gcAt) <= tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  for _, key in ipairs({...}) do
    if due then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, gcAt) end
  end
end

-- Removes a session and its index entries; 1 when its hash was there.
local function drop(id)
  local key = P .. 's:' .. id
  local f = redis.call('HMGET', key, 'sessionHandle', 'uidLower', 'realmLower')
  redis.call('ZREM', P .. 'x', id)
  if not f[1] then return 0 end
  redis.call('DEL', key, P .. 'h:' .. f[1])
  redis.call('ZREM', P .. 'u:' .. f[2], id)
  redis.call('ZREM', P .. 'r:' .. f[3], id)
  return 1
end

-- Writes a new session. KEYS: session, handle, user index, realm index, expiry set.
-- ARGV[o..]: id, creationTime, expiresAt, gcAt, then the hash's field/value pairs.
local function put(o)
  local id = ARGV[o]
  local fields = {}
  for i = o + 4, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('SET', KEYS[2], id)
  redis.call('ZADD', KEYS[3], ARGV[o + 1], id)
  redis.call('ZADD', KEYS[4], ARGV[o + 1], id)
  redis.call('ZADD', KEYS[5], ARGV[o + 2], id)
  expireAt(ARGV[o + 3], KEYS[1], KEYS[2])
end
`;

const INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('duplicate session id ' .. ARGV[2]) end
put(2)
return 1
`;

/** ARGV: P, now, limit, action, then as INSERT. Returns the evicted ids, or nil when denied. */
const INSERT_WITH_QUOTA = `
local now, limit, action = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('duplicate session id ' .. ARGV[5]) end
local live = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local f = redis.call('HMGET', P .. 's:' .. id, 'expiresAt', 'creationTime')
  if not f[1] then
    redis.call('ZREM', KEYS[3], id)
  elseif tonumber(f[1]) > now then
    live[#live + 1] = { id = id, expiresAt = tonumber(f[1]), creationTime = tonumber(f[2]) }
  end
end
local evict = {}
if #live >= limit then
  if action == 'DENY_ACCESS' then return false end
  if action == 'DESTROY_ALL' then
    for i, s in ipairs(live) do evict[i] = s.id end
  else
    local by
    if action == 'DESTROY_NEXT_EXPIRING' then by = 'expiresAt'
    elseif action == 'DESTROY_OLDEST_SESSION' then by = 'creationTime'
    else return redis.error_reply('unknown quota action ' .. action) end
    table.sort(live, function(a, b)
      if a[by] ~= b[by] then return a[by] < b[by] end
      return bytesLess(a.id, b.id)
    end)
    for i = 1, math.min(#live, #live - limit + 1) do evict[i] = live[i].id end
  end
end
for _, id in ipairs(evict) do drop(id) end
put(5)
return evict
`;

/** KEYS: session, expiry set. ARGV: P, id, latestAccessTime, expiresAt, gcAt. */
const TOUCH = `
local current = redis.call('HGET', KEYS[1], 'latestAccessTime')
if not current then return 0 end
if tonumber(current) < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'latestAccessTime', ARGV[3], 'expiresAt', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
  expireAt(ARGV[5], KEYS[1], P .. 'h:' .. redis.call('HGET', KEYS[1], 'sessionHandle'))
end
return 1
`;

/** KEYS: session, expiry set. ARGV: P, id. */
const DELETE = `
return drop(ARGV[2])
`;

/** KEYS: expiry set. ARGV: P, now, limit. Counts the expiry entries removed. */
const DELETE_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do drop(id) end
return #ids
`;

/** KEYS: user index. ARGV: P. */
const DELETE_BY_USER = `
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do n = n + drop(id) end
redis.call('DEL', KEYS[1])
return n
`;

/** KEYS: session. ARGV: P, changes as JSON. Returns the merged JSON, or nil when gone. */
const MERGE_PROPERTIES = `
local current = redis.call('HGET', KEYS[1], 'properties')
if not current then return false end
local properties = cjson.decode(current)
for k, v in pairs(cjson.decode(ARGV[2])) do properties[k] = v end
local merged = cjson.encode(properties)
redis.call('HSET', KEYS[1], 'properties', merged)
return merged
`;

/** KEYS: handle. ARGV: P. The session's HGETALL, empty when gone. */
const GET_BY_HANDLE = `
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', P .. 's:' .. id)
`;

/** KEYS: user index. ARGV: P. HGETALL of each session, oldest first. */
const LIST_BY_USER = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HGETALL', P .. 's:' .. id)
  if #h == 0 then redis.call('ZREM', KEYS[1], id) else out[#out + 1] = h end
end
return out
`;

/** KEYS: realm index. ARGV: P, now, limit. HGETALL of the oldest `limit` live sessions. */
const LIST_BY_REALM = `
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local out, gone, start = {}, {}, 0
while #out < limit do
  local ids = redis.call('ZRANGE', KEYS[1], start, start + 99)
  if #ids == 0 then break end
  start = start + #ids
  for _, id in ipairs(ids) do
    local key = P .. 's:' .. id
    local expiresAt = redis.call('HGET', key, 'expiresAt')
    if not expiresAt then
      gone[#gone + 1] = id
    elseif tonumber(expiresAt) > now and #out < limit then
      out[#out + 1] = redis.call('HGETALL', key)
    end
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', KEYS[1], id) end
return out
`;

/** KEYS: journey key, journey expiry set. ARGV: P, id, expiresAt, gcAt. 1 when newly spent. */
const SPEND = `
if not redis.call('SET', KEYS[1], ARGV[3], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
expireAt(ARGV[4], KEYS[1])
return 1
`;

/** KEYS: journey expiry set. ARGV: P, now, limit. Forgets ids with expiresAt < now. */
const FORGET_JOURNEYS = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  redis.call('DEL', P .. 'j:' .. id)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;

const script = (keys: number, body: string) => ({ keys, lua: HELPERS + body });

/** Registered with `defineCommand` under these names; `keys` is the number of declared KEYS. */
export const SCRIPTS = {
  anvilInsert: script(5, INSERT),
  anvilInsertWithQuota: script(5, INSERT_WITH_QUOTA),
  anvilTouch: script(2, TOUCH),
  anvilDelete: script(2, DELETE),
  anvilDeleteExpired: script(1, DELETE_EXPIRED),
  anvilDeleteByUser: script(1, DELETE_BY_USER),
  anvilMergeProperties: script(1, MERGE_PROPERTIES),
  anvilGetByHandle: script(1, GET_BY_HANDLE),
  anvilListByUser: script(1, LIST_BY_USER),
  anvilListByRealm: script(1, LIST_BY_REALM),
  anvilSpend: script(2, SPEND),
  anvilForgetJourneys: script(1, FORGET_JOURNEYS),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Runs one of SCRIPTS: declared keys first, then ARGV (without the prefix, which is added). */
export type ScriptRunner = (
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;
