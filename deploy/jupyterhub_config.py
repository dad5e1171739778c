# Holding in Mind on JupyterHub: what the hub decides about each person's server.
#
# This is a drop-in configuration file. It chooses no spawner, authenticator or proxy (the
# distribution does) and only says what the course needs:
#   - The Littlest JupyterHub (one server):
#       cp deploy/jupyterhub_config.py /opt/tljh/config/jupyterhub_config.d/holding-in-mind.py
#   - Zero to JupyterHub (Kubernetes): mounted by deploy/values.yaml (hub.extraFiles) into
#       /usr/local/etc/jupyterhub/jupyterhub_config.d/, with
#       helm upgrade ... --set-file \
#         hub.extraFiles.holding-in-mind.stringData=deploy/jupyterhub_config.py
#   - tests/test_hub.py loads it with load_subconfig() after choosing a local spawner.
# Both distributions run it with the hub's `c` already defined; so does load_subconfig.
#
# Everyone is a learner unless they are in the educators group:
#   learner  -> their own server opens the course as Voila apps (index page first);
#               JupyterLab, the classic tree, terminals and nbgrader's pages are closed off
#               (deploy/singleuser/jupyter_server_config.py); their own config files and
#               Python user site are ignored.
#   educator -> their own server opens JupyterLab, with nbgrader's formgrader.
# Settings come from the hub's environment so that a host never edits this file:
#   HOLDING_IN_MIND_EDUCATORS        user names of educators, comma-separated (added to the
#                                    group at start; the hub admin page can add more)
#   HOLDING_IN_MIND_EDUCATORS_GROUP  the group's name (default: educators)
#   HOLDING_IN_MIND_EDUCATOR_MEM_LIMIT / _MEM_GUARANTEE   educators' memory (2G / 512M)
#   HOLDING_IN_MIND_EDUCATOR_UID     Kubernetes only: run educators with this user id, so
#                                    learners are "others" in nbgrader's exchange (see
#                                    deploy/singleuser/nbgrader_config.py); e.g. 1001
#   HOLDING_IN_MIND_STORE_ADMIN_URL  PostgreSQL for the journey store (see below); unset:
#                                    each learner's journeys stay in SQLite in their home
#   HOLDING_IN_MIND_STORE_SECRET     the key each learner's database password is made from
#   HOLDING_IN_MIND_ROOM_KEEP_DAYS   seminar rooms: the most days any room data is kept (1)
import asyncio
import hashlib
import hmac
import os

LEARNER_URL = "/voila/render/index.ipynb"
EDUCATOR_URL = "/lab"
EDUCATORS_GROUP = os.environ.get("HOLDING_IN_MIND_EDUCATORS_GROUP", "educators")

hub = c  # noqa: F821 (JupyterHub, TLJH and Zero to JupyterHub define c before this runs)

# --- Everyone starts as a learner -----------------------------------------------------------

# The first page of a learner's server, relative to the server's own address
# (/user/<name>/): Voila's page for the course's index notebook. The path is relative to the
# server's root folder, which for learners is the course folder in the image.
hub.Spawner.default_url = LEARNER_URL
# Config files in a learner's home folder (~/.jupyter) and packages in their Python user
# site (~/.local/lib) could turn JupyterLab back on or replace a module: a learner's server
# is configured by the image alone.
hub.Spawner.disable_user_config = True
# `.update()` adds to what the distribution set, even from a file read by load_subconfig;
# the spawners' own sections are updated too, since a value set there (Zero to JupyterHub
# puts singleuser.extraEnv in KubeSpawner.environment) would replace the Spawner one.
for section in ("Spawner", "KubeSpawner", "SystemdSpawner"):
    hub[section].environment.update(
        {
            "HOLDING_IN_MIND_ROLE": "learner",
            "PYTHONNOUSERSITE": "1",
            # Each learner's server has a store of its own (their home, or their own database
            # role): opening a case without a resume code may reopen their latest journey.
            "CASEWORK_STORE_PER_LEARNER": "1",
        }
    )

# --- Educators --------------------------------------------------------------------------------

educator_override = {
    "default_url": EDUCATOR_URL,
    # JupyterLab, and nbgrader running each submission in a kernel of its own, need more
    # than a learner's page (deploy/README.md, "Sizing"); spawners that enforce memory
    # (Kubernetes, systemd) apply these.
    "mem_limit": os.environ.get("HOLDING_IN_MIND_EDUCATOR_MEM_LIMIT", "2G"),
    "mem_guarantee": os.environ.get("HOLDING_IN_MIND_EDUCATOR_MEM_GUARANTEE", "512M"),
    "disable_user_config": False,
    "environment": {
        "HOLDING_IN_MIND_ROLE": "educator",
        "PYTHONNOUSERSITE": None,
        # The formgrader panel may be framed only where every user has their own origin
        # (subdomains); otherwise educators open it in its own tab at
        # /hub/user-redirect/formgrader/ (JupyterHub >= 4.1 forbids framing by default).
        "HOLDING_IN_MIND_FRAME_ANCESTORS": lambda spawner: (
            "'self'" if spawner.user.settings.get("subdomain_host") else "'none'"
        ),
    },
}
if os.environ.get("HOLDING_IN_MIND_EDUCATOR_UID"):
    educator_override["uid"] = int(os.environ["HOLDING_IN_MIND_EDUCATOR_UID"])
hub.Spawner.group_overrides.update(
    {
        "50-holding-in-mind-educators": {
            "groups": [EDUCATORS_GROUP],
            "spawner_override": educator_override,
        }
    }
)

educators = [
    name.strip()
    for name in os.environ.get("HOLDING_IN_MIND_EDUCATORS", "").split(",")
    if name.strip()
]
hub.JupyterHub.load_groups.update({EDUCATORS_GROUP: {"users": educators}})

# --- The journey store on PostgreSQL, one locked room per learner ----------------------------
#
# Every learner's kernel can read its own environment, so a database password given to all
# learners would let any of them read everyone's reflections. Instead the hub (which alone
# holds the admin URL) gives each person their own PostgreSQL role and schema before their
# server starts: the role owns its schema, nobody else is granted anything on it, and the
# server only ever receives that role's URL. Role names are a hash of the user name; each
# password is an HMAC of the user name under HOLDING_IN_MIND_STORE_SECRET, so nothing needs
# storing and rotating the secret re-keys everyone at their next start.

STORE_ADMIN_URL = os.environ.get("HOLDING_IN_MIND_STORE_ADMIN_URL", "")
STORE_SECRET = os.environ.get("HOLDING_IN_MIND_STORE_SECRET", "")
#: The driver the course image connects with (psycopg 3); the hub may use another.
STORE_DRIVER = os.environ.get("HOLDING_IN_MIND_STORE_DRIVER", "postgresql+psycopg")
#: Connections one person's kernels may hold at once (each page view opens a few).
STORE_CONNECTION_LIMIT = int(os.environ.get("HOLDING_IN_MIND_STORE_CONNECTION_LIMIT", "20"))


def store_role(username: str) -> str:
    """The PostgreSQL role and schema for one person: no name in it, the same every time."""
    return "hm_" + hashlib.sha256(username.encode()).hexdigest()[:24]


def store_password(username: str, secret: str = STORE_SECRET) -> str:
    return hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()


# --- Seminar rooms on the PostgreSQL store: learners add rows, only educators read them -----
#
# A room joins the journeys of one seminar (casework.rooms): each learner's kernel adds
# (room, random learner id, decision, option, time) rows and the tutor's view, in an
# educator's server, reads them. The rooms live in one schema shared by everyone, owned by the
# hub's admin role. Every person may INSERT events (those columns only) and call
# room_status(), which says of one room (by its code's skeleton) whether it is open and where
# it is held, and nothing else; learners may not SELECT, UPDATE or DELETE anything there.
# Educators may read events and open, hold, reveal and close rooms. A trigger drops any event
# for a room that is not open and stamps the server's time; room_status() closes a room past
# its time and deletes its events. Functions run as the schema's owner (SECURITY DEFINER)
# with a fixed search_path, and nobody else may call them unless granted.

ROOMS_SCHEMA = "hm_rooms"
ROOM_KEEP_DAYS = int(os.environ.get("HOLDING_IN_MIND_ROOM_KEEP_DAYS", "1") or "1")
ROOMS_SQL = """
CREATE SCHEMA IF NOT EXISTS hm_rooms;
REVOKE ALL ON SCHEMA hm_rooms FROM PUBLIC;
CREATE TABLE IF NOT EXISTS hm_rooms.rooms (
    code varchar(6) PRIMARY KEY,
    skeleton varchar(6) NOT NULL UNIQUE,
    case_id varchar(64) NOT NULL,
    key_hash varchar(64) NOT NULL,
    status varchar(8) NOT NULL DEFAULT 'open',
    held_at varchar(64),
    revealed text,
    opened_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    closed_at timestamptz
);
CREATE TABLE IF NOT EXISTS hm_rooms.room_events (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    room varchar(6) NOT NULL REFERENCES hm_rooms.rooms (code),
    learner varchar(32) NOT NULL,
    decision varchar(64) NOT NULL,
    option varchar(64) NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_room_events_room ON hm_rooms.room_events (room, id);
REVOKE ALL ON ALL TABLES IN SCHEMA hm_rooms FROM PUBLIC;
CREATE OR REPLACE FUNCTION hm_rooms.room_events_only_open() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hm_rooms, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM hm_rooms.rooms r
                   WHERE r.code = NEW.room AND r.status = 'open' AND r.closes_at > now()) THEN
        RETURN NULL;
    END IF;
    NEW.at := clock_timestamp();
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION hm_rooms.room_status(wanted text)
RETURNS TABLE (code varchar, case_id varchar, status varchar, held_at varchar,
               closes_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = hm_rooms, pg_temp AS $$
    DELETE FROM hm_rooms.room_events e USING hm_rooms.rooms r
     WHERE e.room = r.code AND r.skeleton = wanted AND r.status = 'open'
       AND r.closes_at <= now();
    UPDATE hm_rooms.rooms r SET status = 'closed', held_at = NULL, revealed = NULL,
           closed_at = now()
     WHERE r.skeleton = wanted AND r.status = 'open' AND r.closes_at <= now();
    SELECT r.code, r.case_id, r.status, r.held_at, r.closes_at
      FROM hm_rooms.rooms r WHERE r.skeleton = wanted;
$$;
REVOKE ALL ON FUNCTION hm_rooms.room_status(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hm_rooms.room_events_only_open() FROM PUBLIC;
"""
ROOMS_TRIGGER = """
CREATE TRIGGER room_events_only_open BEFORE INSERT ON hm_rooms.room_events
FOR EACH ROW EXECUTE FUNCTION hm_rooms.room_events_only_open()
"""


def provision_rooms(connection, keep_days: int = ROOM_KEEP_DAYS) -> None:
    """Make sure the rooms' schema, tables and functions exist (one spawn at a time), and
    delete what is past keeping: rooms open longer than ``keep_days`` are closed with their
    events, and closed rooms' codes go ``keep_days`` after closing."""
    import sqlalchemy as sa

    with connection.begin():
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(4860019)"))
        connection.execute(sa.text(ROOMS_SQL))
        exists = connection.execute(
            sa.text(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'room_events_only_open' "
                "AND tgrelid = 'hm_rooms.room_events'::regclass"
            )
        ).first()
        if not exists:
            connection.execute(sa.text(ROOMS_TRIGGER))
        limit = {"days": f"{max(1, keep_days)} days"}
        old = "SELECT code FROM hm_rooms.rooms WHERE "
        connection.execute(
            sa.text(
                f"DELETE FROM hm_rooms.room_events WHERE room IN ({old}closes_at <= now() "
                "OR opened_at < now() - CAST(:days AS interval) OR status = 'closed')"
            ),
            limit,
        )
        connection.execute(
            sa.text(
                "UPDATE hm_rooms.rooms SET status = 'closed', held_at = NULL, revealed = NULL, "
                "closed_at = now() WHERE status = 'open' AND (closes_at <= now() "
                "OR opened_at < now() - CAST(:days AS interval))"
            ),
            limit,
        )
        connection.execute(
            sa.text(
                "DELETE FROM hm_rooms.rooms WHERE status = 'closed' "
                "AND closed_at < now() - CAST(:days AS interval)"
            ),
            limit,
        )


def grant_rooms(connection, name: str, educator: bool) -> None:
    """Everyone may add events and ask a room's status; only educators read and steer."""
    import sqlalchemy as sa

    statements = [
        f"GRANT USAGE ON SCHEMA {ROOMS_SCHEMA} TO {name}",
        f"GRANT INSERT (room, learner, decision, option, at) ON {ROOMS_SCHEMA}.room_events "
        f"TO {name}",
        f"GRANT EXECUTE ON FUNCTION {ROOMS_SCHEMA}.room_status(text) TO {name}",
    ]
    tables = f"{ROOMS_SCHEMA}.rooms, {ROOMS_SCHEMA}.room_events"
    if educator:
        statements += [
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {ROOMS_SCHEMA}.rooms TO {name}",
            f"GRANT SELECT, DELETE ON {ROOMS_SCHEMA}.room_events TO {name}",
        ]
    else:  # someone who was an educator once is a learner again
        statements += [
            f"REVOKE SELECT, UPDATE, DELETE, TRUNCATE ON {tables} FROM {name}",
            f"REVOKE INSERT ON {ROOMS_SCHEMA}.rooms FROM {name}",
        ]
    for statement in statements:
        connection.execute(sa.text(statement))


def provision_store(
    username: str,
    admin_url: str = STORE_ADMIN_URL,
    secret: str = STORE_SECRET,
    *,
    educator: bool = False,
) -> str:
    """Make sure this person's role and schema exist, with their rights in the seminar
    rooms (``educator``: may read and steer rooms); return the URL their server uses."""
    import sqlalchemy as sa

    if len(secret) < 32:
        raise RuntimeError("HOLDING_IN_MIND_STORE_SECRET must be at least 32 characters")
    role, password = store_role(username), store_password(username, secret)
    admin = sa.engine.make_url(admin_url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            name, database = quote(role), quote(admin.database)
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).first()
            # The password is 64 hex digits, so it can be written into the statement.
            limits = f"CONNECTION LIMIT {STORE_CONNECTION_LIMIT} PASSWORD '{password}'"
            if exists:
                connection.execute(sa.text(f"ALTER ROLE {name} WITH {limits}"))
            else:
                connection.execute(
                    sa.text(
                        f"CREATE ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        f"NOINHERIT {limits}"
                    )
                )
                # PostgreSQL 16 lets a CREATEROLE admin create a schema for a role only
                # once it may act as that role.
                connection.execute(sa.text(f"GRANT {name} TO CURRENT_USER"))
            connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {name}"))
            connection.execute(sa.text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
            connection.execute(sa.text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
            connection.execute(sa.text(f"GRANT CONNECT ON DATABASE {database} TO {name}"))
        # The rooms are made in transactions of their own (the engine above autocommits).
        with engine.connect().execution_options(isolation_level="READ COMMITTED") as connection:
            provision_rooms(connection)
            with connection.begin():
                grant_rooms(
                    connection, connection.dialect.identifier_preparer.quote(role), educator
                )
    finally:
        engine.dispose()
    own = admin.set(
        drivername=STORE_DRIVER,
        username=role,
        password=password,
        query={"options": f"-csearch_path={role}"},
    )
    return own.render_as_string(hide_password=False)


if STORE_ADMIN_URL:
    previous_hook = hub.Spawner.pre_spawn_hook if "pre_spawn_hook" in hub.Spawner else None

    async def give_each_person_their_own_store(spawner):
        if previous_hook is not None:
            result = previous_hook(spawner)
            if asyncio.iscoroutine(result):
                await result
        groups = {group.name for group in spawner.user.groups}
        url = await asyncio.to_thread(
            provision_store, spawner.user.name, educator=EDUCATORS_GROUP in groups
        )
        spawner.environment = {
            **spawner.environment,
            "CASEWORK_DATABASE_URL": url,
            # Seminar rooms are shared by everyone, in their own schema (see ROOMS_SQL).
            "CASEWORK_ROOMS_SCHEMA": ROOMS_SCHEMA,
            "CASEWORK_ROOM_KEEP_DAYS": str(ROOM_KEEP_DAYS),
        }

    hub.Spawner.pre_spawn_hook = give_each_person_their_own_store
