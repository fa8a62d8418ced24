-- PostgreSQL: the access log is append-only (the function is shared with audit_log).
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
