import { tablesMigration, type TableDdl } from "./create-tables";

/**
 * Two more LMS tables that hold a learner's username or PII: credit eligibilities (credit app, the username of each
 * eligible learner) and upstream's partner-reporting queue (user_api UserRetirementPartnerReportingStatus, which the
 * `add_to_partner_queue` step fills and upstream's partner report empties). Django's names; standalone use only.
 */
const TABLES: TableDdl[] = [
  ["credit_crediteligibility", `
    id int NOT NULL AUTO_INCREMENT,
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    username varchar(255) NOT NULL,
    deadline datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    course_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY credit_crediteligibility_username_course_id_7906b4d1_uniq (username, course_id),
    KEY credit_crediteligibility_username_4c275fc6 (username)`],
  ["user_api_userretirementpartnerreportingstatus", `
    id int NOT NULL AUTO_INCREMENT,
    created datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    modified datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    original_username varchar(150) NOT NULL,
    original_email varchar(254) NOT NULL,
    original_name varchar(255) NOT NULL,
    is_being_processed tinyint(1) NOT NULL DEFAULT 0,
    user_id int NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY user_id (user_id),
    KEY user_api_userretirementp_original_username_8ba1d5a7 (original_username),
    KEY user_api_userretirementp_original_email_e2a9b2e4 (original_email),
    KEY user_api_userretirementp_original_name_1b3c5c4f (original_name)`],
];

export const LmsPartnerReportingSchema1700000001010 = tablesMigration("LmsPartnerReportingSchema1700000001010", TABLES);
