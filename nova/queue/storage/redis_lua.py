"""Lua scripts that make each Redis queue operation atomic.

Layout under the key prefix P:
  P t:<id>            hash, one per task (terminal ones carry a TTL)
  P ready:<skillset>  zset of due tasks, scored by priority then arrival
  P skillsets         set of the skillset keys seen
  P delayed           zset of tasks not yet due, scored by not_before
  P leases            zset of leased tasks, scored by lease end
  P dead              zset of dead tasks, scored by when they died
  P done:<state>      zset of succeeded / cancelled tasks, scored by expiry
  P idem:<key>        task id for an idempotency key   (TTL: dedup window)
  P w:<worker>        set of tasks a worker holds     (TTL: worker timeout)

Numbers cross into Lua as strings and back out as strings: Redis truncates
Lua numbers returned from a script to integers.
"""

from __future__ import annotations

# Field order shared by every script that returns a task, and by the parser.
FIELDS = (
    "id", "type", "payload", "metadata", "priority", "not_before", "skillset", "state",
    "attempts", "max_attempts", "attempt_id", "worker_id", "lease_until", "created_at",
    "updated_at", "error", "result", "idempotency_key",
)  # fmt: skip

PRELUDE = """
local P = ARGV[1]
local FIELDS = {FIELD_NAMES}
local function tkey(id) return P .. 't:' .. id end
local function ready_score(prio, seq) return (9 - prio) * 1099511627776 + seq end

local function make_ready(id, now)
  local h = redis.call('HMGET', tkey(id), 'not_before', 'priority', 'seq', 'skillset')
  local nb = tonumber(h[1])
  if nb > now then
    redis.call('ZADD', P .. 'delayed', nb, id)
  else
    redis.call('ZADD', P .. 'ready:' .. h[4], ready_score(tonumber(h[2]), tonumber(h[3])), id)
  end
end

local function unlease(id, worker)
  redis.call('ZREM', P .. 'leases', id)
  if worker and worker ~= '' then redis.call('SREM', P .. 'w:' .. worker, id) end
end

-- A lease that runs out counts as a failed attempt: spent budgets go dead.
local function requeue(id, now, err)
  local h = redis.call('HMGET', tkey(id), 'attempts', 'max_attempts', 'worker_id')
  unlease(id, h[3])
  local state = 'queued'
  if tonumber(h[1]) >= tonumber(h[2]) then state = 'dead' end
  redis.call('HSET', tkey(id), 'state', state, 'not_before', now, 'attempt_id', '',
    'worker_id', '', 'lease_until', 0, 'updated_at', now, 'error', err)
  if state == 'dead' then redis.call('ZADD', P .. 'dead', now, id) else make_ready(id, now) end
end

local function check(id, attempt)
  local h = redis.call('HMGET', tkey(id), 'state', 'attempt_id', 'worker_id')
  if not h[1] then return 'not_found', nil end
  if h[1] ~= 'leased' or h[2] ~= attempt then return 'stale', nil end
  return 'ok', h[3]
end

local function depth()
  local n = redis.call('ZCARD', P .. 'leases') + redis.call('ZCARD', P .. 'delayed')
  for _, k in ipairs(redis.call('SMEMBERS', P .. 'skillsets')) do
    n = n + redis.call('ZCARD', P .. 'ready:' .. k)
  end
  return n
end

local function finish(id, state, now, ttl)
  redis.call('ZADD', P .. 'done:' .. state, now + ttl, id)
  redis.call('PEXPIRE', tkey(id), math.max(1, math.floor(ttl * 1000)))
end
""".replace("FIELD_NAMES", ", ".join(f"'{f}'" for f in FIELDS))

ENQUEUE = (
    PRELUDE
    + """
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local maxd, n = tonumber(ARGV[4]), tonumber(ARGV[5])
local out, fresh, batch = {'ok'}, {}, {}
for i = 0, n - 1 do
  local b = 6 + i * 9
  local id, key = ARGV[b], ARGV[b + 8]
  local existing = false
  if key ~= '' then
    existing = batch[key] or redis.call('GET', P .. 'idem:' .. key)
  end
  if existing then
    out[#out + 1] = existing; out[#out + 1] = '1'
  else
    if key ~= '' then batch[key] = id end
    fresh[#fresh + 1] = b
    out[#out + 1] = id; out[#out + 1] = '0'
  end
end
if #fresh > 0 then
  local d = depth()
  if d + #fresh > maxd then return {'full', tostring(d)} end
end
for _, b in ipairs(fresh) do
  local id = ARGV[b]
  local seq = redis.call('INCR', P .. 'seq')
  local nb = tonumber(ARGV[b + 5])
  if nb <= 0 then nb = now end
  redis.call('HSET', tkey(id), 'id', id, 'type', ARGV[b + 1], 'payload', ARGV[b + 2],
    'metadata', ARGV[b + 3], 'priority', ARGV[b + 4], 'not_before', nb,
    'skillset', ARGV[b + 6], 'state', 'queued', 'attempts', 0, 'max_attempts', ARGV[b + 7],
    'attempt_id', '', 'worker_id', '', 'lease_until', 0, 'created_at', now,
    'updated_at', now, 'error', '', 'result', '', 'idempotency_key', ARGV[b + 8], 'seq', seq)
  redis.call('SADD', P .. 'skillsets', ARGV[b + 6])
  make_ready(id, now)
  if ARGV[b + 8] ~= '' then
    redis.call('SET', P .. 'idem:' .. ARGV[b + 8], id, 'PX', math.max(1, math.floor(window * 1000)))
  end
end
return out
"""
)

CLAIM = (
    PRELUDE
    + """
local now, worker, limit = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local lease_until, worker_ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', P .. 'delayed', id)
  make_ready(id, now)
end
local have = {}
for s in string.gmatch(ARGV[7], '[^,]+') do have[s] = true end
local sets = {}
for _, k in ipairs(redis.call('SMEMBERS', P .. 'skillsets')) do
  local ok = true
  for s in string.gmatch(k, '[^,]+') do
    if not have[s] then ok = false; break end
  end
  -- ARGV[9] = '1': only tasks that require skills (the worker may not take the rest).
  if ok and (k ~= '' or ARGV[9] ~= '1') then sets[#sets + 1] = P .. 'ready:' .. k end
end
local ids = {}
if #sets == 1 then
  local popped = redis.call('ZPOPMIN', sets[1], limit)
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
else
  for _ = 1, limit do
    local best, best_score = nil, nil
    for _, z in ipairs(sets) do
      local head = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
      if head[1] and (best_score == nil or tonumber(head[2]) < best_score) then
        best, best_score = z, tonumber(head[2])
      end
    end
    if not best then break end
    ids[#ids + 1] = redis.call('ZPOPMIN', best)[1]
  end
end
local out = {}
for i, id in ipairs(ids) do
  redis.call('HINCRBY', tkey(id), 'attempts', 1)
  local attempt = ARGV[8] .. string.format('%04x', i - 1)
  redis.call('HSET', tkey(id), 'state', 'leased', 'attempt_id', attempt,
    'worker_id', worker, 'lease_until', lease_until, 'updated_at', now)
  redis.call('ZADD', P .. 'leases', lease_until, id)
  redis.call('SADD', P .. 'w:' .. worker, id)
  out[#out + 1] = redis.call('HMGET', tkey(id), unpack(FIELDS))
end
if #ids > 0 then
  redis.call('PEXPIRE', P .. 'w:' .. worker, math.max(1, math.floor(worker_ttl * 1000)))
end
return out
"""
)

ACK = (
    PRELUDE
    + """
local id, attempt, now, ttl = ARGV[2], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
local status, worker = check(id, attempt)
if status ~= 'ok' then return status end
unlease(id, worker)
redis.call('HSET', tkey(id), 'state', 'succeeded', 'result', ARGV[4], 'updated_at', now,
  'lease_until', 0, 'error', '')
finish(id, 'succeeded', now, ttl)
return 'ok'
"""
)

NACK = (
    PRELUDE
    + """
local id, attempt, err, now, retry_at = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local status, worker = check(id, attempt)
if status ~= 'ok' then return status end
unlease(id, worker)
if retry_at == '' then
  redis.call('HSET', tkey(id), 'state', 'dead', 'not_before', now, 'error', err,
    'updated_at', now, 'attempt_id', '', 'worker_id', '', 'lease_until', 0)
  redis.call('ZADD', P .. 'dead', now, id)
else
  redis.call('HSET', tkey(id), 'state', 'queued', 'not_before', retry_at, 'error', err,
    'updated_at', now, 'attempt_id', '', 'worker_id', '', 'lease_until', 0)
  make_ready(id, now)
end
return 'ok'
"""
)

EXTEND = (
    PRELUDE
    + """
local id, attempt, lease_until = ARGV[2], ARGV[3], tonumber(ARGV[4])
local status = check(id, attempt)
if status ~= 'ok' then return status end
local current = tonumber(redis.call('HGET', tkey(id), 'lease_until'))
if lease_until > current then
  redis.call('HSET', tkey(id), 'lease_until', lease_until)
  redis.call('ZADD', P .. 'leases', lease_until, id)
end
return 'ok'
"""
)

HEARTBEAT = (
    PRELUDE
    + """
local worker, lease_until, worker_ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local held = {}
for i = 5, #ARGV do held[ARGV[i]] = true end
local wkey = P .. 'w:' .. worker
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', wkey)) do
  local h = redis.call('HMGET', tkey(id), 'state', 'worker_id', 'lease_until', 'attempt_id')
  if h[1] == 'leased' and h[2] == worker then
    if held[h[4]] then
      n = n + 1
      if lease_until > tonumber(h[3]) then
        redis.call('HSET', tkey(id), 'lease_until', lease_until)
        redis.call('ZADD', P .. 'leases', lease_until, id)
      end
    end
  else
    redis.call('SREM', wkey, id)
  end
end
if n > 0 then redis.call('PEXPIRE', wkey, math.max(1, math.floor(worker_ttl * 1000))) end
return n
"""
)

EXPIRE = (
    PRELUDE
    + """
local now = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, 1000)
local out = {}
for _, id in ipairs(ids) do
  if redis.call('HGET', tkey(id), 'state') == 'leased' then
    requeue(id, now, 'lease expired')
    out[#out + 1] = id
  else
    redis.call('ZREM', P .. 'leases', id)
  end
end
return out
"""
)

RELEASE = (
    PRELUDE
    + """
local worker, now = ARGV[2], tonumber(ARGV[3])
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', P .. 'w:' .. worker)) do
  local h = redis.call('HMGET', tkey(id), 'state', 'worker_id')
  if h[1] == 'leased' and h[2] == worker then
    requeue(id, now, 'worker stopped heartbeating')
    out[#out + 1] = id
  end
end
redis.call('DEL', P .. 'w:' .. worker)
return out
"""
)

CANCEL = (
    PRELUDE
    + """
local id, now, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', tkey(id), 'state', 'worker_id', 'attempt_id', 'skillset')
if not h[1] then return {} end
if h[1] == 'queued' then
  redis.call('ZREM', P .. 'ready:' .. h[4], id)
  redis.call('ZREM', P .. 'delayed', id)
elseif h[1] == 'leased' then
  unlease(id, h[2])
end
if h[1] == 'queued' or h[1] == 'leased' then
  redis.call('HSET', tkey(id), 'state', 'cancelled', 'updated_at', now, 'attempt_id', '',
    'lease_until', 0)
  finish(id, 'cancelled', now, ttl)
end
return {h[1], h[2], h[3]}
"""
)

REPLAY = (
    PRELUDE
    + """
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', tkey(id), 'state') == 'dead' then
    redis.call('ZREM', P .. 'dead', id)
    redis.call('HSET', tkey(id), 'state', 'queued', 'attempts', 0, 'not_before', now,
      'updated_at', now, 'error', '')
    make_ready(id, now)
    out[#out + 1] = id
  end
end
return out
"""
)

PURGE = (
    PRELUDE
    + """
local now = tonumber(ARGV[2])
return redis.call('ZREMRANGEBYSCORE', P .. 'done:succeeded', '-inf', now)
  + redis.call('ZREMRANGEBYSCORE', P .. 'done:cancelled', '-inf', now)
"""
)
