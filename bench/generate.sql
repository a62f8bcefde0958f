-- A large AVUF network for the network benchmark (bench/network.sh) and for trying the
-- network view by hand: 300 cities in 12 regions, one alliance each, 15 partners per
-- alliance, two plans per alliance (last academic year `closed`, this one `adopted`),
-- 40 actions per plan, 3 indicators per action, 10 measurements per indicator, labels,
-- mandates, events, charters, endorsements and comments.
--
-- Run it once on an EMPTY, migrated database (`agir migrate`), with psql:
--
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/generate.sql
--
-- The sizes are psql variables with the defaults above; override any of them, e.g. a
-- smaller network: `psql "$URL" -v ON_ERROR_STOP=1 -v alliances=20 -v years=1 -f ...`
--     alliances (300, at most 999 keeps department-prefixed INSEE codes), partners (15, >= 6),
--     actions (40 per plan), indicators (3 per action), measurements (10 per indicator),
--     years (2 plans per alliance: the current academic year and those before), events (2 per
--     alliance and year).
--
-- How it is built:
-- * Pure SQL, set-based: every table is one INSERT ... SELECT over generate_series; the whole
--   load is one transaction (an error leaves the database empty), then VACUUM ANALYZE. The
--   measurements' foreign keys are dropped and added back around their INSERT (see there):
--   every constraint is still checked, on every row, before COMMIT. 15 to 35 s on 2 cores.
-- * Ids are deterministic version-4-shaped UUIDs derived from a key (`pg_temp.uid('action:7:0:12')`),
--   and every "random" choice is a hash of a key (`pg_temp.h`): the same network every run,
--   and a row can name another (lead partner, reviewer, carried-over action) without a join.
--   Nothing of this is left in the database: the helpers live in pg_temp.
-- * Every constraint holds as the API would leave it: composite (alliance_id, partner_id)
--   foreign keys, partner kinds / themes / statuses from the CHECK lists, a measurement is
--   recorded by a user of a participating partner (lead or contributor) and reviewed by another
--   partner's user, catalogue indicators carry the catalogue's French name and unit, the
--   current academic year follows the server's clock (September opens a new one).
-- * The journal stays EMPTY: its entries are hash-chained, and rows written here would make
--   every chain fail verification. The API copes with a network nobody journaled.
-- * Texts are French and built from small word lists by theme, so that full-text search finds
--   things: `?q=compost` matches about one action in ten, in every city.
-- * Users (one per partner and alliance, a few former coordinators, 3 AVUF admins) have a
--   well-formed argon2id hash that matches no password: nobody logs in with them.

\set ON_ERROR_STOP 1
\if :{?alliances} \else \set alliances 300 \endif
\if :{?partners} \else \set partners 15 \endif
\if :{?actions} \else \set actions 40 \endif
\if :{?indicators} \else \set indicators 3 \endif
\if :{?measurements} \else \set measurements 10 \endif
\if :{?years} \else \set years 2 \endif
\if :{?events} \else \set events 2 \endif

\pset footer off
SET client_min_messages = warning;
-- The academic year the server considers current: it opens on 1 September.
SELECT CASE WHEN extract(month FROM current_date) >= 9
            THEN extract(year FROM current_date)::int
            ELSE extract(year FROM current_date)::int - 1 END AS y0,
       clock_timestamp() AS started_at
\gset
\echo generating :alliances alliances x :partners partners, :years plan(s) of :actions actions, :indicators indicators x :measurements measurements; current academic year :y0
\timing on

BEGIN;

-- Refuse to mix with existing data: this script is for an empty database.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM cities) OR EXISTS (SELECT 1 FROM alliances) OR EXISTS (SELECT 1 FROM users) THEN
        RAISE EXCEPTION 'bench/generate.sql needs an empty migrated database (cities, alliances or users found)';
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------
-- Helpers (session-local, gone when psql exits)
-- ---------------------------------------------------------------------------------------

-- A stable UUID (version 4, RFC 4122 variant) for a key.
CREATE FUNCTION pg_temp.uid(key text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT overlay(overlay(md5('agir-bench/' || key) PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid
$$;
-- A stable non-negative "random" integer for a key.
CREATE FUNCTION pg_temp.h(key text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT ('x' || substr(md5(key), 1, 8))::bit(32)::int & 2147483647
$$;
-- One element of an array, chosen by a key.
CREATE FUNCTION pg_temp.pick(arr text[], key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT arr[1 + pg_temp.h(key) % cardinality(arr)]
$$;
-- Partner kinds: the four the AVUF expects first (some alliances lack one), then a spread.
CREATE FUNCTION pg_temp.partner_kind(a int, p int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p = 1 THEN 'local_authority'
        WHEN p = 2 THEN CASE WHEN a % 13 = 0 THEN 'school' ELSE 'university' END
        WHEN p = 3 THEN CASE WHEN a % 11 = 0 THEN 'business' ELSE 'school' END
        WHEN p = 4 THEN CASE WHEN a % 7 = 0 THEN 'association' ELSE 'student_services' END
        ELSE (ARRAY['student_association', 'campus_office', 'business', 'social_economy',
                    'association', 'public_body', 'school', 'association', 'other',
                    'student_association', 'social_economy'])[1 + (p + a) % 11]
    END
$$;
-- The status of an action of plan k (0 = current year) for a percentile r (0-99).
CREATE FUNCTION pg_temp.action_status(k int, r int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN k = 0 THEN
        CASE WHEN r < 4 THEN 'proposed' WHEN r < 8 THEN 'rejected' WHEN r < 30 THEN 'adopted'
             WHEN r < 75 THEN 'in_progress' WHEN r < 93 THEN 'completed' ELSE 'abandoned' END
    ELSE
        CASE WHEN r < 8 THEN 'rejected' WHEN r < 68 THEN 'completed' WHEN r < 78 THEN 'abandoned'
             WHEN r < 92 THEN 'in_progress' ELSE 'adopted' END
    END
$$;

-- ---------------------------------------------------------------------------------------
-- Vocabulary
-- ---------------------------------------------------------------------------------------

CREATE TEMP TABLE g_dept (idx int PRIMARY KEY, region text, code text, name text) ON COMMIT DROP;
INSERT INTO g_dept VALUES
    (1, 'Île-de-France', '75', 'Paris'), (2, 'Île-de-France', '92', 'Hauts-de-Seine'),
    (3, 'Île-de-France', '93', 'Seine-Saint-Denis'), (4, 'Île-de-France', '94', 'Val-de-Marne'),
    (5, 'Île-de-France', '91', 'Essonne'), (6, 'Île-de-France', '78', 'Yvelines'),
    (7, 'Auvergne-Rhône-Alpes', '69', 'Rhône'), (8, 'Auvergne-Rhône-Alpes', '38', 'Isère'),
    (9, 'Auvergne-Rhône-Alpes', '63', 'Puy-de-Dôme'), (10, 'Auvergne-Rhône-Alpes', '73', 'Savoie'),
    (11, 'Bretagne', '35', 'Ille-et-Vilaine'), (12, 'Bretagne', '29', 'Finistère'),
    (13, 'Bretagne', '56', 'Morbihan'), (14, 'Bretagne', '22', 'Côtes-d''Armor'),
    (15, 'Hauts-de-France', '59', 'Nord'), (16, 'Hauts-de-France', '80', 'Somme'),
    (17, 'Hauts-de-France', '62', 'Pas-de-Calais'),
    (18, 'Nouvelle-Aquitaine', '33', 'Gironde'), (19, 'Nouvelle-Aquitaine', '86', 'Vienne'),
    (20, 'Nouvelle-Aquitaine', '87', 'Haute-Vienne'), (21, 'Nouvelle-Aquitaine', '64', 'Pyrénées-Atlantiques'),
    (22, 'Occitanie', '31', 'Haute-Garonne'), (23, 'Occitanie', '34', 'Hérault'), (24, 'Occitanie', '30', 'Gard'),
    (25, 'Pays de la Loire', '44', 'Loire-Atlantique'), (26, 'Pays de la Loire', '49', 'Maine-et-Loire'),
    (27, 'Pays de la Loire', '72', 'Sarthe'),
    (28, 'Grand Est', '67', 'Bas-Rhin'), (29, 'Grand Est', '54', 'Meurthe-et-Moselle'), (30, 'Grand Est', '51', 'Marne'),
    (31, 'Normandie', '76', 'Seine-Maritime'), (32, 'Normandie', '14', 'Calvados'),
    (33, 'Provence-Alpes-Côte d''Azur', '13', 'Bouches-du-Rhône'),
    (34, 'Provence-Alpes-Côte d''Azur', '06', 'Alpes-Maritimes'),
    (35, 'Provence-Alpes-Côte d''Azur', '84', 'Vaucluse'),
    (36, 'Bourgogne-Franche-Comté', '21', 'Côte-d''Or'), (37, 'Bourgogne-Franche-Comté', '25', 'Doubs'),
    (38, 'Centre-Val de Loire', '37', 'Indre-et-Loire'), (39, 'Centre-Val de Loire', '45', 'Loiret');

CREATE TEMP TABLE g_theme (
    theme text PRIMARY KEY, titles text[], intros text[], keys text[], sdgs smallint[]
) ON COMMIT DROP;
INSERT INTO g_theme VALUES
    ('food',
     ARRAY['Collecte solidaire de denrées', 'Épicerie solidaire étudiante',
           'Lutte contre le gaspillage au restaurant universitaire', 'Frigo solidaire',
           'Paniers de légumes locaux pour les étudiants', 'Glanage sur les marchés',
           'Repas partagés à prix libre', 'Restes de cantine valorisés'],
     ARRAY['Les invendus des commerces sont collectés chaque semaine et redistribués aux étudiants.',
           'Des bénévoles trient les denrées et préparent des colis pour les familles et les étudiants.',
           'Les restes alimentaires du restaurant universitaire sont pesés puis valorisés.'],
     ARRAY['food_collected_kg', 'food_redistributed_kg', 'beneficiaries', 'volunteer_hours'], '{2,12}'),
    ('waste',
     ARRAY['Compost collectif', 'Tri des biodéchets', 'Ressourcerie étudiante',
           'Atelier de réparation (repair café)', 'Défi zéro déchet', 'Collecte de mobilier de fin d''année',
           'Composteur de quartier', 'Compostage partagé'],
     ARRAY['Un bac à compost est installé et entretenu par les habitants et les étudiants.',
           'Les objets récupérés sont réparés puis revendus à petit prix.',
           'Des ambassadeurs du tri accompagnent les résidents pendant un mois.',
           'Les déchets sont pesés chaque semaine et les résultats affichés dans le hall.'],
     ARRAY['waste_avoided_kg', 'compost_kg', 'participants', 'volunteer_hours'], '{11,12}'),
    ('solidarity',
     ARRAY['Parrainage d''étudiants internationaux', 'Maraudes solidaires', 'Soutien scolaire par les étudiants',
           'Accueil des nouveaux étudiants', 'Collecte de vêtements chauds', 'Prêt de matériel informatique'],
     ARRAY['Des étudiants bénévoles accompagnent les personnes isolées du quartier.',
           'Un réseau d''entraide relie les résidences universitaires et les associations de la ville.'],
     ARRAY['beneficiaries', 'volunteer_hours', 'students_involved'], '{1,10}'),
    ('biodiversity',
     ARRAY['Jardin partagé', 'Plantation de haies', 'Hôtels à insectes et ruches',
           'Inventaire participatif de la biodiversité', 'Potager pédagogique et compost', 'Verger conservatoire'],
     ARRAY['Les étudiants cultivent un potager au pied des résidences.',
           'Des haies champêtres sont plantées avec les écoles et les riverains.'],
     ARRAY['compost_kg', 'participants', 'volunteer_hours', 'events_held'], '{15,11}'),
    ('mobility',
     ARRAY['Atelier vélo participatif', 'Prêt de vélos aux étudiants', 'Covoiturage campus–centre-ville',
           'Semaine de la mobilité douce', 'Marquage et réparation de vélos'],
     ARRAY['Un atelier apprend à chacun à entretenir son vélo.',
           'Les trajets entre le campus et le centre-ville sont partagés.'],
     ARRAY['participants', 'events_held', 'students_involved'], '{11,13}'),
    ('energy_climate',
     ARRAY['Fresque du climat', 'Défi économies d''énergie en résidence', 'Bilan carbone du campus',
           'Rénovation énergétique participative', 'Sobriété numérique'],
     ARRAY['Des ateliers font comprendre les causes et les effets du changement climatique.',
           'Les résidents suivent leur consommation et se lancent des défis d''économies.'],
     ARRAY['participants', 'students_involved', 'events_held'], '{7,13}'),
    ('awareness',
     ARRAY['Conférences sur la transition écologique', 'Festival du développement durable',
           'Ciné-débat sur l''alimentation durable', 'Exposition sur le gaspillage alimentaire',
           'Semaine du compost et du jardinage'],
     ARRAY['Un cycle de rencontres ouvertes à tous présente les initiatives locales.',
           'Des animations sur le marché sensibilisent au tri des déchets.'],
     ARRAY['events_held', 'participants', 'students_involved'], '{4,12}'),
    ('social_economy',
     ARRAY['Tiers-lieu étudiant', 'Boutique de seconde main', 'Coopérative alimentaire étudiante',
           'Chantier d''insertion', 'Monnaie locale au campus'],
     ARRAY['Une structure de l''économie sociale et solidaire emploie et forme des jeunes du quartier.',
           'Les étudiants gèrent une coopérative aux prix justes.'],
     ARRAY['beneficiaries', 'volunteer_hours', 'waste_avoided_kg'], '{8,10}'),
    ('health',
     ARRAY['Ateliers cuisine saine et petit budget', 'Journée santé et bien-être étudiant',
           'Sport pour tous', 'Point écoute étudiant'],
     ARRAY['Des professionnels de santé et des étudiants animent des ateliers gratuits.',
           'On apprend à cuisiner des légumes de saison avec un petit budget.'],
     ARRAY['participants', 'events_held', 'beneficiaries'], '{3}'),
    ('culture',
     ARRAY['Fresque murale participative', 'Concerts éco-responsables', 'Bibliothèque de rue',
           'Festival étudiant zéro déchet'],
     ARRAY['Artistes, étudiants et habitants créent ensemble une œuvre pour le quartier.',
           'Un festival sans vaisselle jetable, avec tri sur place.'],
     ARRAY['events_held', 'participants', 'volunteer_hours'], '{4,11}'),
    ('other',
     ARRAY['Forum des associations', 'Cartographie des initiatives locales',
           'Accueil des volontaires en service civique'],
     ARRAY['Les partenaires de l''alliance se retrouvent pour faire connaître leurs actions.'],
     ARRAY['participants', 'events_held', 'volunteer_hours'], '{17}');

-- Catalogue indicators: the names and units of agir_domain::plan::CatalogueIndicator, and
-- the range of one measurement.
CREATE TEMP TABLE g_catalogue (key text PRIMARY KEY, name text, unit text, lo int, hi int) ON COMMIT DROP;
INSERT INTO g_catalogue VALUES
    ('food_collected_kg', 'Denrées collectées', 'kg', 20, 400),
    ('food_redistributed_kg', 'Denrées redistribuées', 'kg', 15, 350),
    ('compost_kg', 'Compost produit', 'kg', 10, 250),
    ('waste_avoided_kg', 'Déchets évités', 'kg', 10, 300),
    ('participants', 'Participants', 'people', 8, 120),
    ('students_involved', 'Étudiants impliqués', 'people', 3, 60),
    ('events_held', 'Événements organisés', 'events', 1, 3),
    ('volunteer_hours', 'Heures de bénévolat', 'hours', 4, 80),
    ('beneficiaries', 'Bénéficiaires', 'people', 10, 150);

-- ---------------------------------------------------------------------------------------
-- Cities and alliances
-- ---------------------------------------------------------------------------------------

CREATE TEMP TABLE g_city ON COMMIT DROP AS
SELECT a, d.region, d.code AS dept_code, d.name AS department,
       (ARRAY['Saint-Martin', 'Villeneuve', 'Montreuil', 'Beaumont', 'Fontaine', 'Neuville',
              'Châteauneuf', 'Saint-Germain', 'Bellevue', 'Sainte-Marie', 'Rochefort', 'Valmont',
              'Saint-Rémy', 'Clairefont', 'Bois-Joli', 'Mirebeau', 'Saint-Aubin', 'Montfort',
              'Belleville', 'Champagne', 'Saint-Julien', 'Villefranche', 'Pontlevoy', 'Sainte-Croix',
              'Lavaur', 'Saint-Cyr', 'Mauves', 'Roquebrune', 'Saint-Pierre', 'Val-Fleuri'])[1 + (a - 1) % 30]
       || (ARRAY['-sur-Loire', '-les-Bains', '-la-Forêt', '-sur-Mer', '-le-Vieux', '-en-Plaine',
                 '-des-Prés', '-sur-Seine', '-les-Vignes', '-la-Rivière', '-du-Lac'])[1 + ((a - 1) / 30) % 11]
       || CASE WHEN a > 330 THEN ' ' || ((a - 1) / 330 + 1) ELSE '' END AS name,
       CASE WHEN :alliances <= 999 THEN d.code || lpad(a::text, 3, '0')
            ELSE lpad(a::text, 5, '0') END AS insee_code,
       make_timestamptz(:y0 - :years, 6, 1, 9, 0, 0, 'UTC') + a * interval '7 minutes' AS created_at
FROM generate_series(1, :alliances) AS a
JOIN g_dept d ON d.idx = 1 + pg_temp.h('dept:' || a) % 39;

INSERT INTO cities (id, name, insee_code, department, region, created_at, updated_at)
SELECT pg_temp.uid('city:' || a), name, insee_code, department, region, created_at, created_at
FROM g_city;

INSERT INTO alliances (id, city_id, name, description, status, created_at, updated_at)
SELECT pg_temp.uid('alliance:' || a), pg_temp.uid('city:' || a),
       'Agir Ensemble ' || name,
       format('L''alliance locale de %s (%s) réunit la ville, les établissements d''enseignement supérieur, '
              'le Crous et les associations autour d''un campus durable dans une ville durable.',
              name, department),
       CASE WHEN a % 50 = 0 THEN 'archived' ELSE 'active' END,
       created_at, created_at
FROM g_city;

-- ---------------------------------------------------------------------------------------
-- Partners, users, mandates
-- ---------------------------------------------------------------------------------------

CREATE TEMP TABLE g_partner ON COMMIT DROP AS
SELECT c.a, p, pg_temp.partner_kind(c.a, p) AS kind, c.name AS city, c.created_at,
       -- The last partner of every ninth alliance has left it.
       (p = :partners AND c.a % 9 = 0) AS withdrawn,
       pg_temp.uid('alliance:' || c.a) AS aid,
       pg_temp.uid('partner:' || c.a || ':' || p) AS pid,
       pg_temp.uid('user:' || c.a || ':' || p) AS uid
FROM g_city c, generate_series(1, :partners) AS p;
CREATE UNIQUE INDEX ON g_partner (a, p);
ANALYZE g_partner;

INSERT INTO partners (id, alliance_id, name, kind, description, website, status, joined_on, left_on,
                      created_at, updated_at)
SELECT pid, aid,
       CASE
           WHEN p = 1 THEN 'Ville de ' || city
           WHEN p = 2 AND kind = 'university' THEN 'Université de ' || city
           WHEN p = 2 THEN 'École supérieure de ' || city
           WHEN p = 3 AND kind = 'school' THEN 'IUT de ' || city
           WHEN p = 4 AND kind = 'student_services' THEN 'Crous – résidences de ' || city
           ELSE (CASE kind
                     WHEN 'student_association' THEN 'Association étudiante'
                     WHEN 'campus_office' THEN 'Bureau de la vie étudiante'
                     WHEN 'business' THEN 'Entreprise'
                     WHEN 'social_economy' THEN 'Coopérative'
                     WHEN 'association' THEN 'Association'
                     WHEN 'public_body' THEN 'Agence publique'
                     WHEN 'school' THEN 'École'
                     ELSE 'Collectif' END)
                || ' ' || (ARRAY['Horizon', 'Les Tilleuls', 'Le Lien', 'Ressources', 'Bel Air',
                                 'Les Coquelicots', 'Rive Gauche', 'La Fabrique', 'Le Pont', 'Les Abeilles',
                                 'Graines', 'Le Relais', 'Les Semeurs', 'Cap Avenir', 'La Ruche'])[1 + (p - 1) % 15]
                || CASE WHEN p > 15 THEN ' ' || p ELSE '' END
       END,
       kind,
       pg_temp.pick(ARRAY['Partenaire fondateur de l''alliance.', 'Accompagne les projets étudiants.',
                          'Apporte son savoir-faire et ses bénévoles.', 'Met à disposition des locaux et du matériel.'],
                    'pdesc:' || a || ':' || p),
       CASE WHEN pg_temp.h('web:' || a || ':' || p) % 4 = 0 THEN NULL
            ELSE format('https://partenaire-%s-%s.example.org', a, p) END,
       CASE WHEN withdrawn THEN 'withdrawn' ELSE 'active' END,
       (created_at + CASE WHEN p <= 4 THEN interval '0' ELSE (p * 11) * interval '1 day' END)::date,
       CASE WHEN withdrawn THEN make_date(:y0, 6, 30) END,
       created_at + p * interval '1 second', created_at + p * interval '1 second'
FROM g_partner;

-- A placeholder argon2id hash (well-formed, matches no password).
\set nohash '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2htYXJrc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

-- One person per partner and alliance (the coordinator speaks for the city), the former
-- coordinators of every fifth alliance, and three AVUF admins.
INSERT INTO users (id, email, display_name, password_hash, is_admin, created_at, updated_at)
SELECT uid, format('referent-%s-%s@bench.agir-ensemble.example.org', a, p),
       pg_temp.pick(ARRAY['Camille', 'Léa', 'Hugo', 'Nora', 'Yanis', 'Chloé', 'Lucas', 'Inès', 'Mathis',
                          'Manon', 'Karim', 'Sofia', 'Julien', 'Awa', 'Théo', 'Margaux', 'Nathan', 'Lina'],
                    'first:' || a || ':' || p)
       || ' ' || pg_temp.pick(ARRAY['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand',
                                    'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia',
                                    'Diallo', 'Nguyen', 'Benali', 'Fournier', 'Girard', 'Bonnet'],
                              'last:' || a || ':' || p),
       :'nohash', false, created_at + p * interval '1 second', created_at + p * interval '1 second'
FROM g_partner
UNION ALL
SELECT pg_temp.uid('former:' || a), format('ancien-coordinateur-%s@bench.agir-ensemble.example.org', a),
       'Ancien coordinateur ' || a, :'nohash', false, created_at, created_at
FROM g_city WHERE a % 5 = 0
UNION ALL
SELECT pg_temp.uid('admin:' || i), format('avuf-admin-%s@bench.agir-ensemble.example.org', i),
       'AVUF ' || i, :'nohash', true, make_timestamptz(:y0 - :years, 1, 1, 9, 0, 0, 'UTC'),
       make_timestamptz(:y0 - :years, 1, 1, 9, 0, 0, 'UTC')
FROM generate_series(1, 3) AS i;

-- Former coordinators: their mandate ended with the previous academic year.
INSERT INTO mandates (id, alliance_id, user_id, partner_id, role, starts_on, ends_on, created_at, updated_at)
SELECT pg_temp.uid('mandate-old:' || a), pg_temp.uid('alliance:' || a), pg_temp.uid('former:' || a),
       pg_temp.uid('partner:' || a || ':1'), 'coordinator', created_at::date, make_date(:y0, 8, 31),
       created_at, created_at
FROM g_city WHERE a % 5 = 0;

-- Current mandates: the coordinator (partner 1) and one representative per other partner;
-- every fifth representative's mandate ends with this academic year.
INSERT INTO mandates (id, alliance_id, user_id, partner_id, role, starts_on, ends_on, successor_of,
                      handover_notes, created_at, updated_at)
SELECT pg_temp.uid('mandate:' || a || ':' || p), aid, uid, pid,
       CASE WHEN p = 1 THEN 'coordinator' ELSE 'representative' END,
       CASE WHEN p = 1 AND a % 5 = 0 THEN make_date(:y0, 9, 1)
            ELSE (created_at + CASE WHEN p <= 4 THEN interval '0' ELSE (p * 11) * interval '1 day' END)::date END,
       CASE WHEN withdrawn THEN make_date(:y0, 6, 30)
            WHEN p % 5 = 0 THEN make_date(:y0 + 1, 8, 31) END,
       CASE WHEN p = 1 AND a % 5 = 0 THEN pg_temp.uid('mandate-old:' || a) END,
       CASE WHEN p = 1 AND a % 5 = 0 THEN 'Passation faite en juin : dossiers partagés, contacts des partenaires, calendrier des comités.' END,
       created_at + p * interval '1 second', created_at + p * interval '1 second'
FROM g_partner;

-- ---------------------------------------------------------------------------------------
-- Plans and actions
-- ---------------------------------------------------------------------------------------

-- k = 0 is the current academic year (adopted), k > 0 the years before (closed); four
-- alliances in five carried last year's unfinished actions over.
INSERT INTO plans (id, alliance_id, academic_year, title, description, phase, carried_over_from,
                   created_by, created_at, updated_at)
SELECT pg_temp.uid('plan:' || a || ':' || k), pg_temp.uid('alliance:' || a),
       (:y0 - k) || '-' || (:y0 - k + 1),
       format('Plan d''actions %s-%s', :y0 - k, :y0 - k + 1),
       format('Les actions de l''alliance pour l''année universitaire %s-%s.', :y0 - k, :y0 - k + 1),
       CASE WHEN k = 0 THEN 'adopted' ELSE 'closed' END,
       CASE WHEN k < :years - 1 AND a % 5 <> 1 THEN pg_temp.uid('plan:' || a || ':' || (k + 1)) END,
       CASE WHEN k > 0 AND a % 5 = 0 THEN pg_temp.uid('former:' || a) ELSE pg_temp.uid('user:' || a || ':1') END,
       make_timestamptz(:y0 - k, 6, 1, 10, 0, 0, 'UTC') + a * interval '1 minute',
       least(now(), make_timestamptz(:y0 - k + 1, 7, 15, 10, 0, 0, 'UTC') + a * interval '1 minute')
FROM generate_series(1, :alliances) AS a, generate_series(0, :years - 1) AS k;

-- Every action's attributes, computed once. `s` is the key its content derives from: a
-- carried-over action keeps the theme, title and partners of last year's.
CREATE TEMP TABLE g_action ON COMMIT DROP AS
WITH base AS MATERIALIZED (
    SELECT a, k, n, :y0 - k AS fy,
           pg_temp.h('status:' || a || ':' || k || ':' || n) % 100 AS r,
           pg_temp.h('status:' || a || ':' || (k + 1) || ':' || n) % 100 AS r_before
    FROM generate_series(1, :alliances) AS a, generate_series(0, :years - 1) AS k,
         generate_series(1, :actions) AS n
), keyed AS (
    SELECT a, k, n, fy, pg_temp.action_status(k, r) AS status, carried,
           a || ':' || CASE WHEN carried THEN k + 1 ELSE k END || ':' || n AS s,
           a || ':' || k || ':' || n AS key
    FROM (SELECT b.*, (k < :years - 1 AND a % 5 <> 1
                       AND pg_temp.action_status(k + 1, r_before) IN ('proposed', 'adopted', 'in_progress')) AS carried
          FROM base b) b
), themed AS (
    SELECT kd.*,
           pg_temp.pick(ARRAY['food', 'food', 'food', 'waste', 'waste', 'waste', 'solidarity', 'solidarity',
                              'biodiversity', 'biodiversity', 'mobility', 'energy_climate', 'awareness',
                              'awareness', 'social_economy', 'health', 'culture', 'other'], 'theme:' || s) AS theme,
           1 + pg_temp.h('lead:' || s) % (:partners - 1) AS lead,
           1 + pg_temp.h('proposer:' || s) % (:partners - 1) AS proposer
    FROM keyed kd
), roles AS (
    -- Contributors: two other partners (withdrawn partners, the last ones, take no part).
    SELECT t.*, 1 + (t.lead - 1 + 3) % (:partners - 1) AS c1, 1 + (t.lead - 1 + 7) % (:partners - 1) AS c2
    FROM themed t
)
SELECT t.a, t.k, t.n, t.fy, t.status, t.carried, t.s, t.key, t.theme, t.lead, t.proposer, t.c1, t.c2,
       pg_temp.uid('action:' || t.key) AS id, pl.aid, pg_temp.uid('plan:' || t.a || ':' || t.k) AS plan_id,
       pl.pid AS lead_pid, pl.uid AS lead_uid, pp.pid AS proposer_pid, pp.uid AS proposer_uid,
       p1.pid AS c1_pid, p1.uid AS c1_uid, p2.pid AS c2_pid, p2.uid AS c2_uid,
       pg_temp.pick(th.titles, 'title:' || t.s) || ' ' ||
       pg_temp.pick(ARRAY['au campus', 'en résidence universitaire', 'en centre-ville', 'au quartier de la gare',
                          'à la maison des étudiants', 'au restaurant universitaire', 'dans les lycées',
                          'au marché couvert', 'à la médiathèque', 'dans les quartiers'], 'place:' || t.s) AS title,
       format('%s %s %s %s',
              pg_temp.pick(th.intros, 'intro:' || t.s),
              format('À %s, l''action est portée par les étudiants avec les partenaires de l''alliance.', c.name),
              pg_temp.pick(ARRAY['Elle a lieu chaque semaine pendant l''année universitaire.',
                                 'Un temps fort est organisé chaque trimestre.',
                                 'Elle s''appuie sur un groupe de bénévoles formés.',
                                 'Elle se déroule pendant la semaine européenne du développement durable.'],
                           'freq:' || t.s),
              pg_temp.pick(ARRAY['Les résultats sont présentés au comité de l''alliance.',
                                 'Le matériel est prêté par les partenaires de l''alliance.',
                                 'Objectif : toucher les étudiants qui ne participent pas encore.',
                                 'Les données sont publiées pour que d''autres villes s''en inspirent.',
                                 'Un guide pratique sera partagé avec le réseau AVUF.'],
                           'extra:' || t.s)) AS description,
       th.sdgs, th.keys,
       make_date(t.fy, 9, 1) + pg_temp.h('start:' || t.s) % 150 AS planned_start,
       pg_temp.h('curriculum:' || t.s) % 5 = 0 AS curriculum,
       pg_temp.h('verified:' || t.s) % 4 <> 0 AS verified
FROM roles t
JOIN g_theme th ON th.theme = t.theme
JOIN g_city c ON c.a = t.a
JOIN g_partner pl ON pl.a = t.a AND pl.p = t.lead
JOIN g_partner pp ON pp.a = t.a AND pp.p = t.proposer
JOIN g_partner p1 ON p1.a = t.a AND p1.p = t.c1
JOIN g_partner p2 ON p2.a = t.a AND p2.p = t.c2;
ANALYZE g_action;

INSERT INTO actions (id, alliance_id, plan_id, title, description, theme, sdgs, proposed_by, proposing_partner_id,
                     lead_partner_id, planned_start, planned_end, status, curriculum_partner_id, curriculum_course,
                     curriculum_academic_year, curriculum_students, carried_over_from, created_at, updated_at)
SELECT id, aid, plan_id, title, description, theme, sdgs, proposer_uid, proposer_pid, lead_pid,
       planned_start,
       least(make_date(fy + 1, 8, 31), planned_start + 30 + pg_temp.h('end:' || s) % 200),
       status,
       CASE WHEN curriculum THEN pg_temp.uid('partner:' || a || ':2') END,
       CASE WHEN curriculum THEN pg_temp.pick(ARRAY['Licence de géographie – projet tutoré',
                                                    'Master transition écologique', 'BUT Génie biologique',
                                                    'Licence professionnelle économie sociale et solidaire',
                                                    'École d''ingénieurs – projet de 2e année'], 'course:' || s) END,
       CASE WHEN curriculum THEN fy || '-' || (fy + 1) END,
       CASE WHEN curriculum THEN 8 + pg_temp.h('students:' || s) % 110 END,
       CASE WHEN carried THEN pg_temp.uid('action:' || a || ':' || (k + 1) || ':' || n) END,
       make_timestamptz(fy, 6, 2, 10, 0, 0, 'UTC') + a * interval '1 minute' + n * interval '1 second',
       least(now(), make_timestamptz(fy, 10, 1, 10, 0, 0, 'UTC') + a * interval '1 minute' + n * interval '1 second')
FROM g_action;

-- Two contributing partners per action, an endorsement, and a comment on one action in four.
INSERT INTO action_partners (action_id, alliance_id, partner_id)
SELECT id, aid, c_pid
FROM g_action, LATERAL (VALUES (c1, c1_pid), (c2, c2_pid)) AS v(c, c_pid)
WHERE c <> lead
ON CONFLICT DO NOTHING;

INSERT INTO endorsements (action_id, alliance_id, partner_id, endorsed_by, created_at)
SELECT id, aid, c1_pid, c1_uid, make_timestamptz(fy, 6, 20, 10, 0, 0, 'UTC')
FROM g_action;

INSERT INTO comments (id, alliance_id, action_id, author_id, body, created_at, updated_at)
SELECT pg_temp.uid('comment:' || key), aid, id, c2_uid,
       pg_temp.pick(ARRAY['Nous pouvons prêter la salle polyvalente pour le lancement.',
                          'Pensez à prévenir les résidences universitaires une semaine avant.',
                          'Très bonne idée, nos étudiants de première année sont partants.',
                          'Le compost de l''an dernier peut servir au jardin partagé.'], 'comment:' || key),
       make_timestamptz(fy, 6, 25, 10, 0, 0, 'UTC'), make_timestamptz(fy, 6, 25, 10, 0, 0, 'UTC')
FROM g_action
WHERE pg_temp.h('has-comment:' || key) % 4 = 0;

-- ---------------------------------------------------------------------------------------
-- Indicators and measurements
-- ---------------------------------------------------------------------------------------

-- Mostly catalogue indicators suited to the theme; one action in ten has a custom last one.
CREATE TEMP TABLE g_indicator ON COMMIT DROP AS
WITH chosen AS (
    SELECT ga.a, ga.k, ga.n, ga.fy, ga.status, ga.lead, ga.c1, ga.c2, ga.verified, ga.aid, ga.id AS action_id,
           ga.lead_pid, ga.lead_uid, ga.c1_pid, ga.c1_uid, ga.c2_pid, ga.c2_uid,
           ga.key || ':' || i AS key, i,
           CASE WHEN i = :indicators AND pg_temp.h('custom:' || ga.key) % 10 = 0 THEN NULL
                ELSE ga.keys[1 + (pg_temp.h('keys:' || ga.s) + i - 1) % cardinality(ga.keys)] END AS catalogue
    FROM g_action ga, generate_series(1, :indicators) AS i
)
SELECT ch.*, pg_temp.uid('indicator:' || ch.key) AS id,
       coalesce(cat.name, cu.name) AS name, coalesce(cat.unit, cu.unit) AS unit,
       coalesce(cat.lo, 1) AS lo, coalesce(cat.hi, 40) AS hi,
       -- Measured from 1 September to 31 August, or to today for the current year.
       make_date(ch.fy, 9, 1) AS period_start,
       least(make_date(ch.fy + 1, 8, 31), current_date) - make_date(ch.fy, 9, 1) AS period_days
FROM chosen ch
LEFT JOIN g_catalogue cat ON cat.key = ch.catalogue
LEFT JOIN LATERAL (
    SELECT (ARRAY['Vélos réparés', 'Arbres plantés', 'Repas servis', 'Objets réemployés', 'Heures de formation'])[j] AS name,
           (ARRAY['vélos', 'arbres', 'repas', 'objets', 'heures'])[j] AS unit
    FROM (SELECT 1 + pg_temp.h('custom-name:' || ch.key) % 5 AS j) x
) cu ON ch.catalogue IS NULL;
ANALYZE g_indicator;

INSERT INTO indicators (id, alliance_id, action_id, catalogue, name, unit, target, created_at)
SELECT id, aid, action_id, catalogue, name, unit,
       round(((lo + hi) / 2.0) * :measurements * (0.6 + (pg_temp.h('target:' || key) % 60) / 100.0)),
       make_timestamptz(fy, 6, 3, 10, 0, 0, 'UTC') + a * interval '1 minute' + n * interval '1 second'
           + i * interval '1 millisecond'
FROM g_indicator;

-- Measurements along the year, recorded alternately by the lead partner and a contributor,
-- reviewed by a third partner. A completed action whose `verified` flag is set has a confirmed
-- measurement with evidence on every indicator; the other completed actions lack one on their
-- first indicator, so the network reports them `unverified`.
--
-- This is the big table, loaded the way pg_restore loads one: its foreign keys (as the catalog
-- defines them, whatever the migrations say today) are dropped, the rows inserted, and the same
-- constraints added back, which checks every row in one pass instead of five lookups per row
-- (7 s instead of 18). One md5 per row gives its id and all its "random" numbers.
CREATE TEMP TABLE g_fk ON COMMIT DROP AS
SELECT conname, pg_get_constraintdef(oid) AS def
FROM pg_constraint WHERE conrelid = 'measurements'::regclass AND contype = 'f';
DO $$
DECLARE fk record;
BEGIN
    FOR fk IN SELECT conname FROM g_fk LOOP
        EXECUTE format('ALTER TABLE measurements DROP CONSTRAINT %I', fk.conname);
    END LOOP;
END $$;

INSERT INTO measurements (id, alliance_id, indicator_id, value, measured_on, evidence_url, note, recorded_by,
                          partner_id, review_status, reviewed_by, reviewer_partner_id, review_reason,
                          reviewed_at, created_at)
SELECT overlay(overlay(d PLACING '4' FROM 13) PLACING '8' FROM 17)::uuid, aid, id,
       value, measured_on,
       CASE WHEN force_confirm OR ev < 5 THEN format('https://preuves.example.org/%s/%s.pdf', a, substr(d, 19, 12)) END,
       CASE WHEN ev BETWEEN 3 AND 7 THEN (ARRAY['Pesée relevée sur place.', 'Feuille d''émargement signée.',
                                                'Photos et compte rendu envoyés au comité.',
                                                'Bordereau de la banque alimentaire.'])[1 + rv % 4] END,
       recorder_uid, recorder_pid,
       review,
       CASE WHEN review IS NOT NULL THEN reviewer_uid END,
       CASE WHEN review IS NOT NULL THEN reviewer_pid END,
       CASE WHEN review = 'disputed' THEN 'La valeur ne correspond pas à la feuille de pesée.' END,
       CASE WHEN review IS NOT NULL THEN least(now(), measured_on + 3 + rv % 7 + time '18:00') END,
       least(now(), measured_on + time '19:00')
FROM (
    SELECT x.*,
           CASE WHEN x.status IN ('proposed', 'rejected') THEN NULL
                WHEN x.force_confirm THEN 'confirmed'
                WHEN x.never_confirm THEN CASE WHEN x.rv < 5 THEN 'disputed' END
                WHEN x.rv < 35 THEN 'confirmed'
                WHEN x.rv < 38 THEN 'disputed'
           END AS review,
           CASE WHEN x.recorder_pid <> x.c2_pid THEN x.c2_uid ELSE x.c1_uid END AS reviewer_uid,
           CASE WHEN x.recorder_pid <> x.c2_pid THEN x.c2_pid ELSE x.c1_pid END AS reviewer_pid
    FROM (
        SELECT y.*,
               y.lo + (('x' || substr(y.d, 1, 8))::bit(32)::int & 2147483647) % (y.hi - y.lo + 1) AS value,
               ('x' || substr(y.d, 9, 4))::bit(16)::int % 10 AS ev,
               ('x' || substr(y.d, 14, 4))::bit(16)::int % 100 AS rv,
               (y.status = 'completed' AND y.verified AND y.m = 1) AS force_confirm,
               (y.status = 'completed' AND NOT y.verified AND y.i = 1) AS never_confirm
        FROM (
            SELECT gi.*, m, md5('measurement:' || gi.key || ':' || m) AS d,
                   gi.period_start + gi.period_days * m / (:measurements + 1) AS measured_on,
                   CASE WHEN m % 2 = 1 THEN gi.lead_uid ELSE gi.c1_uid END AS recorder_uid,
                   CASE WHEN m % 2 = 1 THEN gi.lead_pid ELSE gi.c1_pid END AS recorder_pid
            FROM g_indicator gi, generate_series(1, :measurements) AS m
            OFFSET 0
        ) y
        OFFSET 0
    ) x
) z;

DO $$
DECLARE fk record;
BEGIN
    FOR fk IN SELECT conname, def FROM g_fk LOOP
        EXECUTE format('ALTER TABLE measurements ADD CONSTRAINT %I %s', fk.conname, fk.def);
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------------------
-- Labels, events, charters
-- ---------------------------------------------------------------------------------------

-- Labels: this year's applications are partly decided; past years' mostly granted.
INSERT INTO labels (id, alliance_id, academic_year, status, kinds_present, kinds_missing, application_note,
                    decision_note, applied_by, decided_by, applied_at, decided_at, updated_at)
SELECT pg_temp.uid('label:' || a || ':' || k), pg_temp.uid('alliance:' || a), (:y0 - k) || '-' || (:y0 - k + 1),
       status, kinds.present, kinds.missing,
       'Candidature de l''alliance avec son plan d''actions et son bilan.',
       CASE status WHEN 'granted' THEN 'Label attribué : alliance active et plan d''actions suivi.'
                   WHEN 'refused' THEN 'Composition ou bilan insuffisants cette année.'
                   WHEN 'withdrawn' THEN 'Label retiré : l''alliance ne s''est plus réunie.' END,
       pg_temp.uid('user:' || a || ':1'),
       CASE WHEN status <> 'applied' THEN pg_temp.uid('admin:' || (1 + a % 3)) END,
       least(now(), make_timestamptz(:y0 - k, 9, 15, 10, 0, 0, 'UTC') + a * interval '1 minute'),
       CASE WHEN status <> 'applied' THEN least(now(), make_timestamptz(:y0 - k, 10, 20, 10, 0, 0, 'UTC') + a * interval '1 minute') END,
       least(now(), make_timestamptz(:y0 - k, 10, 20, 10, 0, 0, 'UTC') + a * interval '1 minute')
FROM (
    SELECT a, k, CASE WHEN k = 0 THEN CASE WHEN r < 30 THEN 'applied' WHEN r < 85 THEN 'granted' WHEN r < 92 THEN 'refused' END
                      ELSE CASE WHEN r < 78 THEN 'granted' WHEN r < 86 THEN 'refused' WHEN r < 90 THEN 'withdrawn' END
                 END AS status
    FROM (SELECT a, k, pg_temp.h('label:' || a || ':' || k) % 100 AS r
          FROM generate_series(1, :alliances) AS a, generate_series(0, :years - 1) AS k) r
) l
JOIN LATERAL (
    SELECT array_agg(DISTINCT kind ORDER BY kind) AS present,
           array(SELECT e FROM unnest(ARRAY['local_authority', 'university', 'school', 'student_services']) WITH ORDINALITY AS x(e, o)
                 WHERE e <> ALL (array_agg(kind)) ORDER BY o) AS missing
    FROM g_partner gp WHERE gp.a = l.a AND NOT gp.withdrawn
) kinds ON true
WHERE status IS NOT NULL;

CREATE TEMP TABLE g_event ON COMMIT DROP AS
SELECT a, k, e, :y0 - k AS fy, a || ':' || k || ':' || e AS key,
       pg_temp.pick(ARRAY['meeting', 'meeting', 'forum', 'celebration', 'public_action', 'training', 'handover', 'other'],
                    'event-kind:' || a || ':' || k || ':' || e) AS kind,
       make_timestamptz(:y0 - k, 9, 1, 17, 30, 0, 'UTC') + (pg_temp.h('event-day:' || a || ':' || k || ':' || e) % 300) * interval '1 day' AS starts_at
FROM generate_series(1, :alliances) AS a, generate_series(0, :years - 1) AS k, generate_series(1, :events) AS e;

INSERT INTO events (id, alliance_id, title, kind, description, starts_at, ends_at, place, attendance, created_by,
                    created_at, updated_at)
SELECT pg_temp.uid('event:' || key), pg_temp.uid('alliance:' || a),
       CASE kind WHEN 'meeting' THEN 'Comité de pilotage de l''alliance'
                 WHEN 'forum' THEN 'Forum des partenaires'
                 WHEN 'celebration' THEN 'Fête de fin d''année universitaire'
                 WHEN 'public_action' THEN 'Journée compost et jardinage'
                 WHEN 'training' THEN 'Formation des référents'
                 WHEN 'handover' THEN 'Passation entre coordinateurs'
                 ELSE 'Visite d''une autre alliance' END,
       kind,
       'Ouvert aux partenaires de l''alliance.', starts_at, starts_at + interval '2 hours',
       pg_temp.pick(ARRAY['Hôtel de ville', 'Maison des étudiants', 'Amphithéâtre A', 'Jardin partagé', 'Médiathèque'], 'event-place:' || key),
       CASE WHEN starts_at < now() THEN 10 + pg_temp.h('attendance:' || key) % 90 END,
       pg_temp.uid('user:' || a || ':1'),
       least(now(), starts_at - interval '20 days'), least(now(), starts_at - interval '20 days')
FROM g_event;

INSERT INTO event_partners (event_id, alliance_id, partner_id)
SELECT DISTINCT pg_temp.uid('event:' || key), pg_temp.uid('alliance:' || a), pg_temp.uid('partner:' || a || ':' || p)
FROM g_event, LATERAL (VALUES (1), (2), (1 + pg_temp.h('event-partner:' || key) % (:partners - 1))) AS v(p);

INSERT INTO event_actions (event_id, alliance_id, action_id)
SELECT pg_temp.uid('event:' || key), pg_temp.uid('alliance:' || a),
       pg_temp.uid('action:' || a || ':' || k || ':' || (1 + pg_temp.h('event-action:' || key) % :actions))
FROM g_event;

INSERT INTO charters (id, alliance_id, version, text, status, created_by, created_at, adopted_at)
SELECT pg_temp.uid('charter:' || a), pg_temp.uid('alliance:' || a), 1,
       'Nous, partenaires de l''alliance Agir Ensemble de ' || name || ', nous engageons à agir ensemble pour un campus '
       'durable dans une ville durable : partager nos moyens, associer les étudiants, mesurer nos résultats et '
       'les rendre publics.',
       'current', pg_temp.uid('user:' || a || ':1'), created_at, created_at + interval '30 days'
FROM g_city;

INSERT INTO charter_signatures (charter_id, alliance_id, partner_id, signed_by, signed_at)
SELECT pg_temp.uid('charter:' || a), pg_temp.uid('alliance:' || a), pg_temp.uid('partner:' || a || ':' || p),
       pg_temp.uid('user:' || a || ':' || p), created_at + interval '40 days'
FROM g_partner
WHERE NOT withdrawn AND pg_temp.h('signature:' || a || ':' || p) % 10 < 8;

COMMIT;

\timing off
VACUUM (ANALYZE) cities, alliances, partners, users, mandates, plans, actions, action_partners, endorsements,
    comments, indicators, measurements, labels, events, event_partners, event_actions, charters, charter_signatures;

SELECT round(extract(epoch FROM clock_timestamp() - :'started_at'::timestamptz)::numeric, 1) AS total_seconds;

SELECT t.name AS "table", t.rows FROM (VALUES
    ('cities', (SELECT count(*) FROM cities)),
    ('alliances', (SELECT count(*) FROM alliances)),
    ('partners', (SELECT count(*) FROM partners)),
    ('users', (SELECT count(*) FROM users)),
    ('mandates', (SELECT count(*) FROM mandates)),
    ('plans', (SELECT count(*) FROM plans)),
    ('actions', (SELECT count(*) FROM actions)),
    ('action_partners', (SELECT count(*) FROM action_partners)),
    ('endorsements', (SELECT count(*) FROM endorsements)),
    ('comments', (SELECT count(*) FROM comments)),
    ('indicators', (SELECT count(*) FROM indicators)),
    ('measurements', (SELECT count(*) FROM measurements)),
    ('labels', (SELECT count(*) FROM labels)),
    ('events', (SELECT count(*) FROM events)),
    ('event_partners', (SELECT count(*) FROM event_partners)),
    ('event_actions', (SELECT count(*) FROM event_actions)),
    ('charters', (SELECT count(*) FROM charters)),
    ('charter_signatures', (SELECT count(*) FROM charter_signatures)),
    ('journal_entries', (SELECT count(*) FROM journal_entries))
) AS t(name, rows);
