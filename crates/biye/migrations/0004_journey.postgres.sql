CREATE TRIGGER application_events_no_change BEFORE UPDATE OR DELETE ON application_events
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
