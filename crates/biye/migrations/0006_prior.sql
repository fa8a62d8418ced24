-- biye schema, version 6: the number that proves a prior education online
-- (备案表在线验证码, 认证报告编号, 认证书编号), registered by the candidate.
ALTER TABLE prior_educations ADD COLUMN verification_code TEXT NOT NULL DEFAULT '';
